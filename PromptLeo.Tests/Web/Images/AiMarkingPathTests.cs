using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Images;

/// <summary>
/// EU AI Act Art. 50(2): the bytes of every way an image leaves PromptLeo carry the XMP AI marking (IPTC digital source
/// type, PromptLeo, the model) and, unless the user asked for parameters, no prompt. A path that re-encodes or strips
/// the metadata fails here.
/// </summary>
public sealed class AiMarkingPathTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const string Generated = "trainedAlgorithmicMedia";
    private const string Composite = "compositeWithTrainedAlgorithmicMedia";
    private const string Enhanced = "algorithmicallyEnhanced";

    private ImageStudioService Studio => factory.Services.GetRequiredService<ImageStudioService>();

    private static string UniquePrompt() => $"prompt {Guid.NewGuid():N}";

    private static StudioRequest Small(string prompt, string model = DemoModelSet.DemoDiffusionModelId) => new()
    {
        ModelId = model, Prompt = prompt, NegativePrompt = "negative " + prompt, Width = 64, Height = 64, Steps = 2, Seed = 5,
    };

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<byte[]> FirstB64ImageAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
    }

    private static async Task AssertResponseFormatRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("response_format", doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    private static MultipartFormDataContent EditForm(string model, string prompt, bool withMask, string responseFormat = "b64_json")
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png" },
            { new StringContent(model), "model" },
            { new StringContent(prompt), "prompt" },
            { new StringContent("64x64"), "size" },
            { new StringContent("2"), "steps" },
            { new StringContent("0.6"), "strength" },
            { new StringContent(responseFormat), "response_format" },
        };
        if (withMask)
        {
            form.Add(new ByteArrayContent(TestImages.RightHalfMask(64, 64)), "mask", "mask.png");
        }
        return form;
    }

    [Fact]
    public async Task StudioFileEndpoint_ViewAndDownload_MarkedWithoutPrompt_WithParametersOnlyWhenAsked()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var prompt = UniquePrompt();
        var id = (await Studio.GenerateAsync(userId, Small(prompt))).Images[0].Id!.Value;

        // The studio result, the gallery tile and the lightbox all show /images/file/{id}; there are no thumbnails.
        var view = await client.GetByteArrayAsync($"/images/file/{id}");
        var download = await client.GetByteArrayAsync($"/images/file/{id}?download=1");
        var withParameters = await client.GetByteArrayAsync($"/images/file/{id}?download=1&parameters=1");

        TestImages.AssertAiMarking(view, Generated, DemoModelSet.DemoDiffusionModelId, prompt);
        TestImages.AssertAiMarking(download, Generated, DemoModelSet.DemoDiffusionModelId, prompt);
        TestImages.AssertAiMarking(withParameters, Generated, DemoModelSet.DemoDiffusionModelId);
        Assert.Contains(prompt, Encoding.Latin1.GetString(withParameters), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StudioFileEndpoint_Img2ImgInpaintingAndBackgroundRemoval_EachCarriesItsSourceType()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var prompt = UniquePrompt();
        var img2img = await Studio.GenerateAsync(userId, Small(prompt) with { InitImage = TestImages.Gradient(64, 64), Strength = 0.6f });
        var inpaint = await Studio.GenerateAsync(userId, Small(prompt, DemoModelSet.DemoInpaintingModelId) with
        {
            InitImage = TestImages.Gradient(64, 64), Mask = TestImages.RightHalfMask(64, 64), Strength = 1f,
        });
        var cutOut = await Studio.RemoveBackgroundAsync(userId, DemoModelSet.DemoBackgroundRemovalModelId, TestImages.Gradient(40, 24));

        TestImages.AssertAiMarking(await client.GetByteArrayAsync($"/images/file/{img2img.Images[0].Id}?download=1"), Generated, DemoModelSet.DemoDiffusionModelId, prompt);
        TestImages.AssertAiMarking(await client.GetByteArrayAsync($"/images/file/{inpaint.Images[0].Id}?download=1"), Composite, DemoModelSet.DemoInpaintingModelId, prompt);
        TestImages.AssertAiMarking(await client.GetByteArrayAsync($"/images/file/{cutOut.Images[0].Id}?download=1"), Enhanced, DemoModelSet.DemoBackgroundRemovalModelId);
    }

    [Fact]
    public async Task Studio_ZeroRetentionInlineImage_Marked()
    {
        var userId = await factory.CreateUserAsync();
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ImageRetentionDays, 0));
        }
        var prompt = UniquePrompt();

        var result = await Studio.GenerateAsync(userId, Small(prompt));

        Assert.False(result.Stored);
        TestImages.AssertAiMarking(result.Images[0].InlinePng!, Generated, DemoModelSet.DemoDiffusionModelId, prompt);
    }

    [Fact]
    public async Task ExportZip_EveryImage_MarkedWithoutPrompt()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var prompt = UniquePrompt();
        var generated = await Studio.GenerateAsync(userId, Small(prompt));
        var cutOut = await Studio.RemoveBackgroundAsync(userId, DemoModelSet.DemoBackgroundRemovalModelId, TestImages.Gradient(40, 24));
        var export = await factory.Services.GetRequiredService<DataExportService>().RequestAsync(userId);
        await WaitForExportAsync(export.Id);

        var response = await client.GetAsync($"/privacy/exports/{export.Id}/download");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        TestImages.AssertAiMarking(ReadEntry(zip, $"images/{generated.Images[0].Id:N}.png"), Generated, DemoModelSet.DemoDiffusionModelId, prompt);
        TestImages.AssertAiMarking(ReadEntry(zip, $"images/{cutOut.Images[0].Id:N}.png"), Enhanced, DemoModelSet.DemoBackgroundRemovalModelId);
    }

    [Fact]
    public async Task ApiGenerations_DefaultAndB64Json_MarkedWithoutPrompt_UrlRefused()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var prompt = UniquePrompt();

        var byDefault = await FirstB64ImageAsync(await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt, size = "64x64", steps = 2 })));
        var b64 = await FirstB64ImageAsync(await client.PostAsync("/v1/images/generations",
            Json(new { model = ApiPortalFactory.ImageModel, prompt, size = "64x64", steps = 2, response_format = "b64_json" })));
        var url = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt, size = "64x64", steps = 2, response_format = "url" }));

        TestImages.AssertAiMarking(byDefault, Generated, ApiPortalFactory.ImageModel, prompt);
        TestImages.AssertAiMarking(b64, Generated, ApiPortalFactory.ImageModel, prompt);
        // The API stores no images, so there is no URL path that could serve an unmarked copy.
        await AssertResponseFormatRefusedAsync(url);
    }

    [Fact]
    public async Task ApiEdits_Img2ImgAndInpainting_MarkedWithoutPrompt_UrlRefused()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var prompt = UniquePrompt();

        var img2img = await FirstB64ImageAsync(await client.PostAsync("/v1/images/edits", EditForm(ApiPortalFactory.ImageModel, prompt, withMask: false)));
        var inpaint = await FirstB64ImageAsync(await client.PostAsync("/v1/images/edits", EditForm(DemoModelSet.DemoInpaintingModelId, prompt, withMask: true)));
        var url = await client.PostAsync("/v1/images/edits", EditForm(ApiPortalFactory.ImageModel, prompt, withMask: false, responseFormat: "url"));

        TestImages.AssertAiMarking(img2img, Generated, ApiPortalFactory.ImageModel, prompt);
        TestImages.AssertAiMarking(inpaint, Composite, DemoModelSet.DemoInpaintingModelId, prompt);
        await AssertResponseFormatRefusedAsync(url);
    }

    [Fact]
    public async Task ApiFlux_GenerationAndInpainting_MarkedWithFluxModel()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var prompt = UniquePrompt();

        var generated = await FirstB64ImageAsync(await client.PostAsync("/v1/images/generations",
            Json(new { model = DemoModelSet.DemoFluxModelId, prompt, size = "64x64", steps = 2, guidance_scale = 0, scheduler = "flow_match_euler" })));
        var form = EditForm(DemoModelSet.DemoFluxModelId, prompt, withMask: true);
        form.Add(new StringContent("flow_match_euler"), "scheduler");
        var inpaint = await FirstB64ImageAsync(await client.PostAsync("/v1/images/edits", form));

        TestImages.AssertAiMarking(generated, Generated, DemoModelSet.DemoFluxModelId, prompt);
        TestImages.AssertAiMarking(inpaint, Composite, DemoModelSet.DemoFluxModelId, prompt);
    }

    [Fact]
    public async Task ApiBackgroundRemoval_MarkedAsAlgorithmicallyEnhanced()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Gradient(40, 24)), "image", "photo.png" },
            { new StringContent(DemoModelSet.DemoBackgroundRemovalModelId), "model" },
        };

        var png = await FirstB64ImageAsync(await client.PostAsync("/v1/images/background-removal", form));

        TestImages.AssertAiMarking(png, Enhanced, DemoModelSet.DemoBackgroundRemovalModelId);
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)?.Open() ?? throw new Xunit.Sdk.XunitException($"{name} is missing from the export.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private async Task WaitForExportAsync(Guid exportId)
    {
        var dbFactory = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var status = await db.DataExports.AsNoTracking().Where(e => e.Id == exportId).Select(e => e.Status).SingleAsync();
            Assert.NotEqual(ExportStatus.Failed, status);
            if (status == ExportStatus.Completed)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "The export did not finish.");
            await Task.Delay(100);
        }
    }
}
