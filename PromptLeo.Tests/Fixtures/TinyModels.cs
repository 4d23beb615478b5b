using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>A temporary models folder with tiny random-weight models written by the production writers.</summary>
public sealed class TinyModels : IAsyncDisposable
{
    private TinyModels(string directory) => ModelsDirectory = directory;

    public string ModelsDirectory { get; }

    public static TinyModels CreateEmpty()
    {
        var directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new TinyModels(directory);
    }

    /// <summary>A chat model with a ChatML template; the context is large enough for long streams.</summary>
    public static async Task<TinyModels> CreateAsync(params DemoChatModelOptions[] models)
    {
        var tiny = CreateEmpty();
        foreach (var model in models.Length > 0 ? models : [ChatModel()])
            await DemoChatModelWriter.WriteAsync(tiny.ModelsDirectory, model);
        return tiny;
    }

    public static DemoChatModelOptions ChatModel(string id = "tiny-chat", int contextLength = 4096, int seed = 7) =>
        new() { Id = id, EmbeddingLength = 32, BlockCount = 2, HeadCount = 4, HeadCountKv = 2, FeedForwardLength = 64, ContextLength = contextLength, Seed = seed };

    /// <summary>Builds the inference services as the web app does, against this folder.</summary>
    public ServiceProvider BuildServices(IDictionary<string, string?>? settings = null) => BuildServices(ModelsDirectory, settings);

    /// <summary>Builds the inference services as the web app does (real registry and loaders), against <paramref name="modelsDirectory"/>.</summary>
    public static ServiceProvider BuildServices(string modelsDirectory, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Inference:ModelsDirectory"] = modelsDirectory,
            ["Inference:Llm:ContextSize"] = "4096",
            ["Inference:Llm:Threads"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddPromptLeoInference()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        try
        {
            Directory.Delete(ModelsDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A test may still hold a file; the OS temp cleaner takes it.
        }
    }
}
