using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

/// <summary>FLUX models through <c>/v1/images/generations</c>: the demo schnell model and a dev model added to the models folder.</summary>
public sealed class FluxImagesApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const string DevModel = "api-tiny-flux-dev";

    [Fact]
    public async Task Generate_DemoSchnell_ReturnsImageWithUsageAndRecord()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/generations", Json(new
        {
            model = DemoModelSet.DemoFluxModelId, prompt = "a red house", size = "64x64", steps = 4, guidance_scale = 0, seed = 3, scheduler = "flow_match_euler",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        Assert.Equal((64, 64), (TestImages.Decode(png).Width, TestImages.Decode(png).Height));
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((1, 4), (usage.ImageCount, usage.Steps));
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((ProcessingPurpose.ImageGeneration, DemoModelSet.DemoFluxModelId), (record.Purpose, record.ModelId));
    }

    [Fact]
    public async Task Generate_DevAddedToModelsFolder_UsesGuidance()
    {
        await AddDevModelAsync();
        var (client, userId, _) = await factory.CreateApiClientAsync();

        async Task<byte[]> GenerateAsync(double guidance)
        {
            var response = await client.PostAsync("/v1/images/generations", Json(new
            {
                model = DevModel, prompt = "a cat", size = "64x64", steps = 3, guidance_scale = guidance, seed = 5, scheduler = "flow_match_euler",
            }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        }

        Assert.NotEqual(TestImages.Pixels(await GenerateAsync(1.5)), TestImages.Pixels(await GenerateAsync(6)));
        Assert.Equal(2, (await factory.UsageEventsAsync(userId)).Count);
    }

    [Theory]
    [InlineData("72x72", 4, "flow_match_euler", "size", "multiple of 16")]
    [InlineData("64x64", 8, "flow_match_euler", "steps", "must be at most 4")]
    [InlineData("64x64", 4, "euler", "scheduler", "supports the schedulers flow_match_euler")]
    public async Task Generate_SchnellOutsideItsCapabilities_Is400NamingTheParameter(string size, int steps, string scheduler, string param, string message)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/generations", Json(new { model = DemoModelSet.DemoFluxModelId, prompt = "a fox", size, steps, scheduler }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains(message, error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    private async Task AddDevModelAsync()
    {
        var directory = Path.Combine(factory.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory, DevModel);
        if (!File.Exists(Path.Combine(directory, ModelManifestFile.FileName)))
        {
            TinyFluxModelWriter.Write(directory, new TinyFluxModelOptions { Id = DevModel, Guidance = true, Precision = TensorPrecision.Float16 });
        }

        await factory.Services.GetRequiredService<IModelRegistry>().RescanAsync();
    }
}
