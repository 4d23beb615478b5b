using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Admin;

/// <summary>The portal with Cpu-only demo models, so the image model loads without trying CUDA.</summary>
public sealed class CpuDemoPortal : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings) { ["Inference:Device"] = "Cpu" };
}

/// <summary>Demo model files deleted or truncated while loaded: /v1 answers 503, the admin page shows the model failed and why.</summary>
public sealed class ModelFileFaultPortalTests(CpuDemoPortal portal) : IClassFixture<CpuDemoPortal>
{
    [Fact]
    public async Task ChatAndImages_ModelFilesDamagedWhileLoaded_503AndAdminPageShowsReason()
    {
        var (client, userId, _) = await portal.CreateApiClientAsync();
        var chat = new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } };
        var image = new { model = ApiPortalFactory.ImageModel, prompt = "a boat", size = "64x64", steps = 1 };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/chat/completions", chat)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/images/generations", image)).StatusCode);
        var models = portal.Services.GetRequiredService<DataPaths>().Models;
        var chargedBefore = (await portal.UsageEventsAsync(userId)).Sum(u => u.AmountMicros);
        Assert.True(chargedBefore > 0);

        File.Delete(Path.Combine(models, ApiPortalFactory.ChatModel, DemoChatModelWriter.GgufFileName));
        await using (var unet = new FileStream(Path.Combine(models, ApiPortalFactory.ImageModel, "unet", "model.onnx"), FileMode.Open, FileAccess.Write))
            unet.SetLength(100);
        var chatResponse = await client.PostAsJsonAsync("/v1/chat/completions", chat);
        var imageResponse = await client.PostAsJsonAsync("/v1/images/generations", image);

        foreach (var response in new[] { chatResponse, imageResponse })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("model_unavailable", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        // Refused requests are recorded with zero usage: nothing charged.
        Assert.Equal(chargedBefore, (await portal.UsageEventsAsync(userId)).Sum(u => u.AmountMicros));

        var admin = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var html = WebUtility.HtmlDecode(await admin.GetStringAsync("/admin"));
        Assert.Contains($"{DemoChatModelWriter.GgufFileName}: the file was deleted while the model was loaded. Restore the file, then rescan the models folder.", html);
        Assert.Contains($"{Path.Combine("unet", "model.onnx")}: the file changed on disk while the model was loaded", html);
    }
}

/// <summary>Demo models with the file monitor checking every second.</summary>
public sealed class FastFileCheckPortal : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings) { ["Inference:ModelFileCheckSeconds"] = "1" };
}

public sealed class ModelFileMonitorTests(FastFileCheckPortal portal) : IClassFixture<FastFileCheckPortal>
{
    [Fact]
    public async Task ModelFileMonitor_HeaderCorruptedWithoutAnyRequest_ModelFailedWithinSeconds()
    {
        var (client, _, _) = await portal.CreateApiClientAsync();
        var chat = new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/chat/completions", chat)).StatusCode);
        var registry = portal.Services.GetRequiredService<PromptLeo.Inference.Models.IModelRegistry>();
        var gguf = Path.Combine(portal.Services.GetRequiredService<DataPaths>().Models, ApiPortalFactory.ChatModel, DemoChatModelWriter.GgufFileName);
        var written = File.GetLastWriteTimeUtc(gguf);

        // Same size and time, different header: only the monitor's header hash notices, and no request is needed.
        await using (var file = new FileStream(gguf, FileMode.Open, FileAccess.Write))
            file.Write("XXXX"u8);
        File.SetLastWriteTimeUtc(gguf, written);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (registry.Get(ApiPortalFactory.ChatModel)!.State != PromptLeo.Inference.Models.ModelState.Failed && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        var status = registry.Get(ApiPortalFactory.ChatModel)!;
        Assert.Equal(PromptLeo.Inference.Models.ModelState.Failed, status.State);
        Assert.Contains("content changed while the model was loaded (header differs)", status.Error);
    }
}
