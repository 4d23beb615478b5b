using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Api;

/// <summary>SD 2.1 and SD-Turbo test models (fp32 and fp16) installed into the portal's models folder, served by /v1/images.</summary>
public sealed class ImageModelDefaultsApiTests(ImageModelDefaultsApiTests.Portal factory) : IClassFixture<ImageModelDefaultsApiTests.Portal>
{
    /// <summary>The API portal plus the SD 2.1 / SD-Turbo models, written and picked up by a registry rescan.</summary>
    public sealed class Portal : ApiPortalFactory, IAsyncLifetime
    {
        public Task InitializeAsync() => PortalDiffusionModels.InstallAsync(Services,
            TinyDiffusionModelOptions.Sd21("sd21-fp32"), TinyDiffusionModelOptions.Sd21("sd21-fp16", TensorPrecision.Float16),
            TinyDiffusionModelOptions.Turbo("turbo-fp32"), TinyDiffusionModelOptions.Turbo("turbo-fp16", TensorPrecision.Float16),
            TinyDiffusionModelOptions.Turbo("turbo-text-only") with { VaeEncoder = false });

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    [Theory]
    [InlineData("sd21-fp32", 768, 20)]
    [InlineData("sd21-fp16", 768, 20)]
    [InlineData("turbo-fp32", 512, 1)]
    [InlineData("turbo-fp16", 512, 1)]
    [InlineData(ApiPortalFactory.ImageModel, 256, 20)]
    public async Task Generations_SizeStepsGuidanceOmitted_UseTheModelsDefaultsAndBillThem(string model, int size, int steps)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsJsonAsync("/v1/images/generations", new { model, prompt = "a lighthouse at dusk", seed = 3 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var png = await SinglePngAsync(response);
        Assert.Equal((size, size), (TestImages.Decode(png).Width, TestImages.Decode(png).Height));
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((model, 1, size, size, steps), (usage.ModelId, usage.ImageCount, usage.Width, usage.Height, usage.Steps));
        Assert.True(usage.AmountMicros > 0);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal(("image-generation", model, usage.RequestId), (record.Purpose, record.ModelId, record.RequestId));
    }

    [Theory]
    [InlineData("sd21-fp32", 768)]
    [InlineData("sd21-fp16", 768)]
    [InlineData("turbo-fp32", 512)]
    [InlineData("turbo-fp16", 512)]
    public async Task Edits_SizeOmitted_Img2ImgAtTheModelsSizeAndBilled(string model, int size)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        // Turbo needs steps × strength ≥ 1, as in diffusers (2 steps at 0.5 for SD-Turbo img2img).
        var response = await client.PostAsync("/v1/images/edits", EditForm(model, steps: 2, strength: 0.5));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var png = await SinglePngAsync(response);
        Assert.Equal(size, TestImages.Decode(png).Width);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        // Billed for the steps that ran: img2img at strength 0.5 skips the first of the 2 steps.
        Assert.Equal((model, 1, size, 1), (usage.ModelId, usage.ImageCount, usage.Width, usage.Steps));
        Assert.Equal("image-edit", Assert.Single(await factory.RecordsAsync(userId)).Purpose);
    }

    [Fact]
    public async Task Edits_ModelWithoutImageToImage_Returns400NamingTheModelAndChargesNothing()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/edits", EditForm("turbo-text-only", steps: 2, strength: 0.5));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("'turbo-text-only' cannot edit images", error.GetProperty("message").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
        Assert.Empty(await factory.RecordsAsync(userId));
    }

    [Theory]
    [InlineData("""{"model":"turbo-fp32","prompt":"a cat","steps":5}""", "steps", "at most 4")]
    [InlineData("""{"model":"turbo-fp32","prompt":"a cat","scheduler":"flow_match_euler"}""", "scheduler", "euler, euler_ancestral, ddim, lms, lcm")]
    public async Task Generations_BeyondWhatTheModelCanDo_Returns400BeforeBilling(string body, string param, string message)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/images/generations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    private static MultipartFormDataContent EditForm(string model, int steps, double strength)
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png");
        form.Add(new StringContent(model), "model");
        form.Add(new StringContent("a watercolor"), "prompt");
        form.Add(new StringContent(steps.ToString(System.Globalization.CultureInfo.InvariantCulture)), "steps");
        form.Add(new StringContent(strength.ToString(System.Globalization.CultureInfo.InvariantCulture)), "strength");
        form.Add(new StringContent("5"), "seed");
        return form;
    }

    private static async Task<byte[]> SinglePngAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return Convert.FromBase64String(Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray()).GetProperty("b64_json").GetString()!);
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").Clone();
    }
}
