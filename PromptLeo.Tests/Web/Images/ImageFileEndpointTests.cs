using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Web.Images;

/// <summary><c>GET /images/file/{id}</c> over HTTP with real sign-ins: ownership, headers, downloads.</summary>
public sealed class ImageFileEndpointTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>
{
    private const string Password = "Endpoint-Passw0rd-1";

    private async Task<(HttpClient Client, string UserId)> SignedInAsync()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"endpoint.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);
        return (client, await factory.UserIdOfAsync(email));
    }

    private async Task<Guid> GenerateAsync(string userId, string prompt = "a green tree in the forest")
    {
        var result = await factory.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId, new StudioRequest
        {
            ModelId = DemoModelSet.DemoDiffusionModelId, Prompt = prompt, NegativePrompt = "blurry", Width = 64, Height = 64, Steps = 2, Seed = 7,
        });
        return result.Images[0].Id!.Value;
    }

    [Fact]
    public async Task GetFile_Owner_ReturnsPngPrivateNoStore()
    {
        var (client, userId) = await SignedInAsync();
        var id = await GenerateAsync(userId);

        var response = await client.GetAsync($"/images/file/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.True(response.Headers.CacheControl.NoStore);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Null(response.Content.Headers.ContentDisposition);
        var png = await response.Content.ReadAsByteArrayAsync();
        using var bitmap = TestImages.Decode(png);
        Assert.Equal(64, bitmap.Width);
        Assert.Null(PngTextChunk.Read(png, "parameters"));
    }

    [Fact]
    public async Task GetFile_OtherUsersImageOrUnknownId_Returns404()
    {
        var (_, owner) = await SignedInAsync();
        var id = await GenerateAsync(owner);
        var (stranger, _) = await SignedInAsync();

        var foreign = await stranger.GetAsync($"/images/file/{id}");
        var unknown = await stranger.GetAsync($"/images/file/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.NotEqual("image/png", foreign.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetFile_Anonymous_RedirectsToLogin()
    {
        var (_, owner) = await SignedInAsync();
        var id = await GenerateAsync(owner);

        var response = await factory.CreateBrowserLikeClient().GetAsync($"/images/file/{id}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task GetFile_DownloadWithParameters_HasA1111TextChunk()
    {
        var (client, userId) = await SignedInAsync();
        var id = await GenerateAsync(userId);

        var withParameters = await client.GetAsync($"/images/file/{id}?download=1&parameters=1");
        var plain = await client.GetAsync($"/images/file/{id}?download=1");

        Assert.Equal("attachment", withParameters.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith(".png", withParameters.Content.Headers.ContentDisposition.FileNameStar ?? withParameters.Content.Headers.ContentDisposition.FileName);
        var png = await withParameters.Content.ReadAsByteArrayAsync();
        Assert.Contains("tEXt", TestImages.ChunkTypes(png));
        var text = PngTextChunk.Read(png, "parameters")!;
        Assert.StartsWith("a green tree in the forest\nNegative prompt: blurry\nSteps: 2, Sampler: Euler, CFG scale: 7.5, Seed: 7, Size: 64x64", text);
        using var decoded = TestImages.Decode(png);
        var plainPng = await plain.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("tEXt", TestImages.ChunkTypes(plainPng));
        Assert.Equal(TestImages.Pixels(plainPng), TestImages.Pixels(png));
    }

    [Fact]
    public async Task GetFile_AfterDelete_Returns404AndFileIsGone()
    {
        var (client, userId) = await SignedInAsync();
        var id = await GenerateAsync(userId);

        Assert.True(await factory.Services.GetRequiredService<ImageGallery>().DeleteAsync(userId, id));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/images/file/{id}")).StatusCode);
        await using var db = await factory.DbAsync();
        Assert.False(await db.GeneratedImages.AnyAsync(i => i.Id == id));
    }

    [Fact]
    public async Task ImagesPage_SignedIn_RendersStudioWithDemoModel()
    {
        var (client, _) = await SignedInAsync();

        var html = await client.GetStringAsync("/images");

        Assert.Contains("id=\"image-generate\"", html);
        Assert.Contains("Demo (random weights)", html);
    }
}
