using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Inference.Models;
using PromptLeo.Inference;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Models;

public sealed class ModelRegistryTests
{
    [Fact]
    public async Task GgufWriter_SameOptions_WritesIdenticalValidFiles()
    {
        await using var a = await TinyModels.CreateAsync();
        await using var b = await TinyModels.CreateAsync();
        var pathA = Path.Combine(a.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName);
        var bytes = await File.ReadAllBytesAsync(pathA);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(b.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName)));
        var info = GgufFileValidator.Validate(pathA);
        Assert.Equal("llama", info.Architecture);
        Assert.True(info.HasChatTemplate);
        Assert.Equal(bytes.Length, info.RequiredLength);
        var manifest = await ModelManifestFile.ReadAsync(Path.Combine(a.ModelsDirectory, "tiny-chat"));
        Assert.True(manifest.IsDemo);
        Assert.Contains("Demo (random weights)", manifest.DisplayName);
    }

    [Fact]
    public async Task AcquireAsync_CorruptAndTruncatedFiles_FailOnlyThoseModelsWithReason()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("good"), TinyModels.ChatModel("truncated"), TinyModels.ChatModel("garbage"));
        var truncated = Path.Combine(models.ModelsDirectory, "truncated", DemoChatModelWriter.GgufFileName);
        var length = new FileInfo(truncated).Length;
        await using (var stream = File.OpenWrite(truncated))
            stream.SetLength(length / 2);
        await File.WriteAllBytesAsync(Path.Combine(models.ModelsDirectory, "garbage", DemoChatModelWriter.GgufFileName), new byte[4096]);
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var engine = services.GetRequiredService<IChatEngine>();

        var truncatedError = await Assert.ThrowsAsync<ModelLoadException>(() => registry.AcquireAsync("truncated"));
        var garbageError = await Assert.ThrowsAsync<ModelLoadException>(() => registry.AcquireAsync("garbage"));
        var updates = new List<ChatUpdate>();
        await foreach (var u in engine.StreamAsync(new ChatRequest("good", [new ChatMessage(ChatRole.User, "hello")], new SamplingOptions { MaxTokens = 4 })))
            updates.Add(u);

        Assert.Contains("truncated", truncatedError.Message);
        Assert.Contains("not a GGUF file", garbageError.Message);
        Assert.NotEqual(FinishReason.Error, updates[^1].FinishReason);
        var statuses = registry.List().ToDictionary(s => s.Manifest.Id);
        Assert.Equal(ModelState.Failed, statuses["truncated"].State);
        Assert.Equal(truncatedError.Message, statuses["truncated"].Error);
        Assert.Equal(ModelState.Failed, statuses["garbage"].State);
        Assert.Equal(ModelState.Loaded, statuses["good"].State);
        Assert.Equal("CPU", statuses["good"].Device?.Device);
    }

    [Fact]
    public async Task AcquireAsync_ConcurrentCallers_LoadTheModelOnce()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();

        var leases = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => registry.AcquireAsync("tiny-chat")));

        Assert.All(leases, l => Assert.Same(leases[0].Model, l.Model));
        foreach (var lease in leases)
            lease.Dispose();
        Assert.Throws<ModelNotFoundException>(() => registry.AcquireAsync("missing").GetAwaiter().GetResult());
    }

    [Fact]
    public async Task AcquireAsync_OverMemoryBudget_UnloadsLeastRecentlyUsedIdleModel()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("first"), TinyModels.ChatModel("second"));
        long oneModel;
        await using (var unlimited = models.BuildServices())
        {
            using (await unlimited.GetRequiredService<IModelRegistry>().AcquireAsync("first"))
                oneModel = unlimited.GetRequiredService<IModelRegistry>().Get("first")!.ResidentBytes;
        }
        // Room for one model: a model larger than the whole budget is refused since the budget is planned before a load.
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:MaxResidentBytes"] = (oneModel * 3 / 2).ToString() });
        var registry = services.GetRequiredService<IModelRegistry>();

        using (await registry.AcquireAsync("first"))
        {
        }

        using var second = await registry.AcquireAsync("second");

        Assert.Equal(ModelState.NotLoaded, registry.Get("first")!.State);
        Assert.Equal(ModelState.Loaded, registry.Get("second")!.State); // leased: kept despite the budget
    }

    [Fact]
    public void ModelsDirectory_EmptySetting_ThrowsNamingItInsteadOfUsingTheCurrentDirectory()
    {
        var registry = new ModelRegistry(Options.Create(new InferenceOptions()), [], NullLogger<ModelRegistry>.Instance);

        var ex = Assert.Throws<InvalidOperationException>(() => registry.ModelsDirectory);

        Assert.Contains("Inference:ModelsDirectory", ex.Message);
        Assert.Throws<InvalidOperationException>(() => registry.List());
    }

    [Fact]
    public async Task ModelsDirectory_HostPostConfiguresDefault_RegistryAndDownloaderUseIt()
    {
        await using var models = await TinyModels.CreateAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:Llm:Threads"] = "1",
        }).Build();
        // As the web app does: register the inference layer first, supply the default afterwards.
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddPromptLeoInference()
            .PostConfigure<InferenceOptions>(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ModelsDirectory))
                    o.ModelsDirectory = models.ModelsDirectory;
            })
            .BuildServiceProvider();
        var staging = Directory.CreateDirectory(Path.Combine(models.ModelsDirectory, ".downloads"));
        var part = Path.Combine(staging.FullName, "x--model.gguf.part");
        await File.WriteAllBytesAsync(part, [1, 2, 3]);

        var registry = services.GetRequiredService<ModelRegistry>();
        services.GetRequiredService<ModelDownloader>().DiscardPartialDownload("x", "model.gguf");

        Assert.Equal(Path.GetFullPath(models.ModelsDirectory), registry.ModelsDirectory);
        Assert.Contains(registry.List(), m => m.Manifest.Id == "tiny-chat");
        Assert.False(File.Exists(part));
    }

    [Fact]
    public async Task AcquireAsync_ChatDiffusionAndBackgroundRemovalSideBySide_WrongSignatureFailsAlone()
    {
        const string diffusionId = "demo-sd-tiny", backgroundId = "demo-background-removal", brokenId = "broken-sd";
        await using var models = TinyModels.CreateEmpty();
        await DemoModelInstaller.WriteDemoChatModelFilesAsync(models.ModelsDirectory);
        TinyDiffusionModelWriter.Write(Path.Combine(models.ModelsDirectory, diffusionId), new TinyDiffusionModelOptions { Id = diffusionId });
        TinyBackgroundRemovalModelWriter.Write(Path.Combine(models.ModelsDirectory, backgroundId), backgroundId, inputSize: 32);
        var broken = Path.Combine(models.ModelsDirectory, brokenId);
        TinyDiffusionModelWriter.Write(broken, new TinyDiffusionModelOptions { Id = brokenId });
        // A valid ONNX graph with the wrong signature: the VAE decoder where the UNet belongs.
        File.Copy(Path.Combine(broken, "vae_decoder", "model.onnx"), Path.Combine(broken, "unet", "model.onnx"), overwrite: true);
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:Device"] = "Auto" });
        var registry = services.GetRequiredService<IModelRegistry>();

        var listed = registry.List().ToDictionary(s => s.Manifest.Id, s => (s.Manifest.Kind, s.State));
        Assert.Equal(ModelKind.Chat, listed[DemoModelInstaller.DemoChatModelId].Kind);
        Assert.Equal(ModelKind.Diffusion, listed[diffusionId].Kind);
        Assert.Equal(ModelKind.BackgroundRemoval, listed[backgroundId].Kind);
        Assert.All(listed.Values, m => Assert.Equal(ModelState.NotLoaded, m.State));

        using (await registry.AcquireAsync(diffusionId))
        {
        }

        var diffusion = registry.Get(diffusionId)!;
        Assert.Equal(ModelState.Loaded, diffusion.State);
        Assert.True(diffusion.ResidentBytes > 0);
        Assert.NotNull(diffusion.Device);
        if (diffusion.Device.Device == ExecutionProviderSelector.CpuDevice)
            Assert.Contains("CUDA", diffusion.Device.FallbackReason, StringComparison.Ordinal); // Auto says why it is not on the GPU
        else
            Assert.Equal((ExecutionProviderSelector.CudaDevice, null), (diffusion.Device.Device, diffusion.Device.FallbackReason));

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => registry.AcquireAsync(brokenId));
        Assert.Contains("unet/model.onnx: input 'sample' missing", error.Message, StringComparison.Ordinal);
        Assert.Equal((ModelState.Failed, error.Message), (registry.Get(brokenId)!.State, registry.Get(brokenId)!.Error));

        var images = services.GetRequiredService<IImageGenerator>();
        var generated = await images.GenerateAsync(new ImageRequest { ModelId = diffusionId, Prompt = "a red house", Width = 64, Height = 64, Steps = 2, Seed = 1 });
        var cutout = await images.RemoveBackgroundAsync(backgroundId, TestImages.Gradient(40, 24));
        var updates = new List<ChatUpdate>();
        await foreach (var u in services.GetRequiredService<IChatEngine>().StreamAsync(
                           new ChatRequest(DemoModelInstaller.DemoChatModelId, [new ChatMessage(ChatRole.User, "hello")], new SamplingOptions { MaxTokens = 4 })))
            updates.Add(u);

        Assert.Equal(64, TestImages.Decode(generated.Images[0].Png).Width);
        Assert.Equal(40, TestImages.Decode(cutout).Width);
        Assert.NotEqual(FinishReason.Error, updates[^1].FinishReason);
        var states = registry.List().ToDictionary(s => s.Manifest.Id, s => s.State);
        Assert.Equal(ModelState.Loaded, states[DemoModelInstaller.DemoChatModelId]);
        Assert.Equal(ModelState.Loaded, states[diffusionId]);
        Assert.Equal(ModelState.Loaded, states[backgroundId]);
        Assert.Equal(ModelState.Failed, states[brokenId]);
    }

}
