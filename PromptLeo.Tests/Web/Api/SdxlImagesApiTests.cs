using System.Net;
using System.Text;
using System.Text.Json;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Web.Api;

/// <summary>The demo SDXL and SDXL-Turbo models through <c>/v1/images/generations</c> and <c>/v1/images/edits</c>: PNG, usage event, processing record.</summary>
public sealed class SdxlImagesApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    [Theory]
    [InlineData(DemoModelSet.DemoSdxlModelId, 3, 5.0, "euler")]
    [InlineData(DemoModelSet.DemoSdxlTurboModelId, 1, 0.0, "euler_ancestral")]
    public async Task Generations_SdxlAndTurbo_ReturnPngMeteredAndRecorded(string model, int steps, double guidance, string scheduler)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/generations",
            Json(new { model, prompt = "a red house on the sea", size = "96x64", steps, guidance_scale = guidance, seed = 3, scheduler }));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        using var bitmap = TestImages.Decode(png);
        Assert.Equal((96, 64), (bitmap.Width, bitmap.Height));
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((model, "image", 1, 96, 64, steps), (usage.ModelId, usage.Kind, usage.ImageCount, usage.Width, usage.Height, usage.Steps));
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((model, "completed", "api"), (record.ModelId, record.Outcome, record.Channel));
    }

    [Fact]
    public async Task Generations_TurboAboveItsMaxSteps_400NamingSteps()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/generations",
            Json(new { model = DemoModelSet.DemoSdxlTurboModelId, prompt = "a cat", size = "64x64", steps = 8, guidance_scale = 0 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must be at most 4", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task Edits_SdxlWithMask_InpaintsByLatentBlendingAndIsRecordedAsEdit()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png" },
            { new ByteArrayContent(TestImages.RightHalfMask(64, 64)), "mask", "mask.png" },
            { new StringContent(DemoModelSet.DemoSdxlModelId), "model" },
            { new StringContent("a watercolor"), "prompt" },
            { new StringContent("64x64"), "size" },
            { new StringContent("2"), "steps" },
            { new StringContent("0.8"), "strength" },
            { new StringContent("7"), "seed" },
        };

        var response = await client.PostAsync("/v1/images/edits", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Assert.Single(await factory.UsageEventsAsync(userId)).ImageCount);
        Assert.Equal("image-edit", Assert.Single(await factory.RecordsAsync(userId)).Purpose);
    }
}
