using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
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
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:MaxResidentBytes"] = "1" });
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
}
