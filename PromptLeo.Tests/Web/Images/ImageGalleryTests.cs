using System.IO.Compression;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Web.Images;

/// <summary>The gallery's search over encrypted prompts and the ZIP download of a selection, with real sign-ins.</summary>
public sealed class ImageGalleryTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>
{
    private const string Password = "Gallery-Passw0rd-1";

    private ImageGallery Gallery => factory.Services.GetRequiredService<ImageGallery>();

    private async Task<(HttpClient Client, string UserId)> SignedInAsync()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"gallery.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);
        return (client, await factory.UserIdOfAsync(email));
    }

    private async Task<Guid> GenerateAsync(string userId, string prompt)
    {
        var result = await factory.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId, new StudioRequest
        {
            ModelId = DemoModelSet.DemoDiffusionModelId, Prompt = prompt, Width = 64, Height = 64, Steps = 1, Seed = 3,
        });
        return result.Images[0].Id!.Value;
    }

    [Fact]
    public async Task ListAsync_Search_FindsOnlyTheUsersOwnMatchingImages()
    {
        var owner = await factory.CreateUserAsync();
        var stranger = await factory.CreateUserAsync();
        var fox = await GenerateAsync(owner, "a red Fox in the snow");
        var whale = await GenerateAsync(owner, "a blue whale");
        var foreignFox = await GenerateAsync(stranger, "a red fox at night");

        var found = await Gallery.ListAsync(owner, 1, 10, "FOX");
        var all = await Gallery.ListAsync(owner, 1, 10, "  ");
        var none = await Gallery.ListAsync(owner, 1, 10, "giraffe");
        var strangers = await Gallery.ListAsync(stranger, 1, 10, "fox");

        Assert.Equal([fox], found.Items.Select(i => i.Id));
        Assert.Equal(1, found.Total);
        Assert.Equal([whale, fox], all.Items.Select(i => i.Id));
        Assert.Empty(none.Items);
        Assert.Equal([foreignFox], strangers.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task ListAsync_SearchOverSeveralPages_PagesTheMatches()
    {
        var owner = await factory.CreateUserAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await GenerateAsync(owner, $"tree number {i}"));
        }
        await GenerateAsync(owner, "a lonely house");

        var first = await Gallery.ListAsync(owner, 1, 3, "tree");
        var second = await Gallery.ListAsync(owner, 2, 3, "tree");

        Assert.Equal((4, 2), (first.Total, first.PageCount));
        Assert.Equal(3, first.Items.Count);
        Assert.Single(second.Items);
        Assert.Equal(ids.ToHashSet(), first.Items.Concat(second.Items).Select(i => i.Id).ToHashSet());
    }

    [Fact]
    public async Task GetArchive_OwnSelection_ZipHoldsExactlyTheSelectedImages()
    {
        var (client, userId) = await SignedInAsync();
        var first = await GenerateAsync(userId, "first picture");
        var second = await GenerateAsync(userId, "second picture");
        await GenerateAsync(userId, "not selected");

        var response = await client.GetAsync($"/images/archive?id={first}&id={second}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.EndsWith(".zip", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var expected = new Dictionary<string, byte[]>();
        foreach (var id in new[] { first, second })
        {
            var item = (await Gallery.GetAsync(userId, id))!;
            expected[item.ArchiveEntryName] = await client.GetByteArrayAsync($"/images/file/{id}");
        }
        Assert.Equal(expected.Keys.Order(), zip.Entries.Select(e => e.FullName).Order());
        foreach (var entry in zip.Entries)
        {
            using var buffer = new MemoryStream();
            await using (var stream = entry.Open())
            {
                await stream.CopyToAsync(buffer);
            }
            Assert.Equal(expected[entry.FullName], buffer.ToArray());
        }
    }

    [Fact]
    public async Task GetArchive_AnotherUsersImageIds_Returns404AndNoZip()
    {
        var (owner, ownerId) = await SignedInAsync();
        var (_, strangerId) = await SignedInAsync();
        var own = await GenerateAsync(ownerId, "mine");
        var foreign = await GenerateAsync(strangerId, "theirs");

        var onlyForeign = await owner.GetAsync($"/images/archive?id={foreign}");
        var mixed = await owner.GetAsync($"/images/archive?id={own}&id={foreign}");
        var unknown = await owner.GetAsync($"/images/archive?id={Guid.NewGuid()}");

        foreach (var response in new[] { onlyForeign, mixed, unknown })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.NotEqual("application/zip", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Null(await Gallery.ArchiveAsync(ownerId, [own, foreign]));
    }

    [Fact]
    public async Task GetArchive_NoIdsTooManyOrMalformed_Returns400()
    {
        var (client, _) = await SignedInAsync();
        var tooMany = string.Join("&", Enumerable.Range(0, ImageGallery.MaxArchiveImages + 1).Select(_ => $"id={Guid.NewGuid()}"));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/images/archive")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/images/archive?{tooMany}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/images/archive?id=not-a-guid")).StatusCode);
    }

    [Fact]
    public async Task GetArchive_Anonymous_Returns401()
    {
        var (_, owner) = await SignedInAsync();
        var id = await GenerateAsync(owner, "private");

        var response = await factory.CreateBrowserLikeClient().GetAsync($"/images/archive?id={id}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual("application/zip", response.Content.Headers.ContentType?.MediaType);
    }
}
