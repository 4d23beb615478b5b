using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Models;

/// <summary>A model file deleted or corrupted while the model is loaded: requests fail cleanly, the model is failed with the reason.</summary>
public sealed class ModelFileFaultTests
{
    private static readonly ChatRequest Hello = new("tiny-chat", [new ChatMessage(ChatRole.User, "hello")], new SamplingOptions { MaxTokens = 4, Temperature = 0 });

    private static async Task<List<ChatUpdate>> ChatAsync(IChatEngine engine)
    {
        var updates = new List<ChatUpdate>();
        await foreach (var update in engine.StreamAsync(Hello))
            updates.Add(update);
        return updates;
    }

    [Fact]
    public async Task AcquireAsync_GgufDeletedWhileLoaded_RefusesWithReasonAndLoadsAgainAfterRestore()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var engine = services.GetRequiredService<IChatEngine>();
        Assert.NotEqual(FinishReason.Error, (await ChatAsync(engine))[^1].FinishReason);
        var gguf = Path.Combine(models.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName);
        var bytes = await File.ReadAllBytesAsync(gguf);

        File.Delete(gguf);
        var error = await Assert.ThrowsAsync<ModelLoadException>(() => ChatAsync(engine));

        Assert.Contains($"{DemoChatModelWriter.GgufFileName}: the file was deleted while the model was loaded.", error.Message);
        var status = registry.Get("tiny-chat")!;
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Equal(error.Message, status.Error);
        Assert.Equal(0, status.ResidentBytes);
        // Refused from the failed state, without touching the (missing) file again.
        Assert.Equal(error.Message, (await Assert.ThrowsAsync<ModelLoadException>(() => ChatAsync(engine))).Message);

        await File.WriteAllBytesAsync(gguf, bytes);
        await registry.RescanAsync();
        Assert.NotEqual(FinishReason.Error, (await ChatAsync(engine))[^1].FinishReason);
        Assert.Equal(ModelState.Loaded, registry.Get("tiny-chat")!.State);
    }

    [Fact]
    public async Task VerifyLoadedFilesAsync_GgufHeaderOverwritten_MarksFailedAndRefusesRequests()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<ModelRegistry>();
        var engine = services.GetRequiredService<IChatEngine>();
        await ChatAsync(engine);
        var gguf = Path.Combine(models.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName);
        var written = File.GetLastWriteTimeUtc(gguf);

        // Bytes flipped in the first 4 KiB with size and modification time kept: only the header hash can tell.
        await using (var stream = new FileStream(gguf, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 0;
            stream.Write("XXXX"u8);
        }
        File.SetLastWriteTimeUtc(gguf, written);

        Assert.Equal(1, await registry.VerifyLoadedFilesAsync());
        var status = registry.Get("tiny-chat")!;
        Assert.Equal(ModelState.Failed, status.State);
        Assert.Contains("content changed while the model was loaded (header differs)", status.Error);
        await Assert.ThrowsAsync<ModelLoadException>(() => ChatAsync(engine));
    }

    [Fact]
    public async Task RescanAsync_GgufReplacedWhileLoaded_LoadsTheNewFileOnNextUse()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var engine = services.GetRequiredService<IChatEngine>();
        await ChatAsync(engine);
        var before = registry.Get("tiny-chat")!.ResidentBytes;

        // A reinstall: other weights under the same id, then the rescan the downloader does after every install.
        await DemoChatModelWriter.WriteAsync(models.ModelsDirectory, TinyModels.ChatModel(seed: 99) with { EmbeddingLength = 64 });
        await registry.RescanAsync();

        Assert.Equal(ModelState.NotLoaded, registry.Get("tiny-chat")!.State);
        Assert.NotEqual(FinishReason.Error, (await ChatAsync(engine))[^1].FinishReason);
        Assert.Equal(ModelState.Loaded, registry.Get("tiny-chat")!.State);
        Assert.True(registry.Get("tiny-chat")!.ResidentBytes > before);
    }

    [Fact]
    public async Task StreamAsync_GgufTruncatedInPlaceDuringAnAnswer_AnswerCompletes()
    {
        // Mapped weights would fault (SIGBUS) once their file is cut short; read into memory they are unaffected.
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var engine = services.GetRequiredService<IChatEngine>();
        var gguf = Path.Combine(models.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName);
        var updates = new List<ChatUpdate>();

        await foreach (var update in engine.StreamAsync(Hello with { Sampling = new SamplingOptions { MaxTokens = 200, Temperature = 0 } }))
        {
            if (updates.Count == 0)
            {
                await using var file = new FileStream(gguf, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                file.SetLength(0);
            }
            updates.Add(update);
        }

        Assert.NotEqual(FinishReason.Error, updates[^1].FinishReason);
        Assert.True(updates[^1].CompletionTokens > 1);
        await Assert.ThrowsAsync<ModelLoadException>(() => ChatAsync(engine));
    }

    [Fact]
    public async Task Release_FileDeletedDuringARequest_RequestFinishesThenModelIsUnloaded()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<ModelRegistry>();
        var lease = await registry.AcquireAsync("tiny-chat");
        var loadedBytes = registry.Get("tiny-chat")!.ResidentBytes;

        File.Delete(Path.Combine(models.ModelsDirectory, "tiny-chat", DemoChatModelWriter.GgufFileName));
        Assert.Equal(1, await registry.VerifyLoadedFilesAsync());

        // The request in flight keeps its weights (they are in memory); new ones are refused.
        Assert.Equal(loadedBytes, registry.Get("tiny-chat")!.ResidentBytes);
        await Assert.ThrowsAsync<ModelLoadException>(() => registry.AcquireAsync("tiny-chat"));
        lease.Dispose();
        Assert.Equal(0, registry.Get("tiny-chat")!.ResidentBytes);
        Assert.Equal(ModelState.Failed, registry.Get("tiny-chat")!.State);
    }

    [Fact]
    public async Task GenerateAsync_UnetTruncatedWhileLoaded_RefusedAndModelFailedWithReason()
    {
        using var folder = new TempFolder();
        TinyDiffusionModelWriter.Write(Path.Combine(folder.Path, "tiny-sd"));
        await using var services = TinyModels.BuildServices(folder.Path, new Dictionary<string, string?> { ["Inference:Device"] = "Cpu" });
        var registry = services.GetRequiredService<IModelRegistry>();
        var generator = services.GetRequiredService<IImageGenerator>();
        var request = new ImageRequest { ModelId = "tiny-sd", Prompt = "a red boat", Width = 64, Height = 64, Steps = 1, Seed = 1 };
        Assert.Single((await generator.GenerateAsync(request)).Images);

        var unet = Path.Combine(folder.Path, "tiny-sd", "unet", "model.onnx");
        await using (var stream = new FileStream(unet, FileMode.Open, FileAccess.Write))
            stream.SetLength(stream.Length / 2);
        var error = await Assert.ThrowsAsync<ModelLoadException>(() => generator.GenerateAsync(request));

        Assert.Contains(Path.Combine("unet", "model.onnx") + ": the file changed on disk while the model was loaded", error.Message);
        Assert.Equal(ModelState.Failed, registry.Get("tiny-sd")!.State);
        Assert.Equal(error.Message, registry.Get("tiny-sd")!.Error);
        // A rescan retries it; the truncated graph now fails at load, with ONNX Runtime's reason.
        await registry.RescanAsync();
        var reload = await Assert.ThrowsAsync<ModelLoadException>(() => generator.GenerateAsync(request));
        Assert.StartsWith("unet/model.onnx:", reload.Message);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }
}
