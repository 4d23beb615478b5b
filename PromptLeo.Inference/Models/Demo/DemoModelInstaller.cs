namespace PromptLeo.Inference.Models.Demo;

/// <summary>
/// Entry point for <c>models create-demo</c> and <c>Inference:CreateDemoModels</c>: writes the tiny random-weight
/// chat model into the models folder and tells the registry.
/// </summary>
public sealed class DemoModelInstaller(IModelRegistry registry)
{
    /// <summary>Id of the demo chat model.</summary>
    public const string DemoChatModelId = "demo-chat";

    /// <summary>
    /// Writes the demo chat model into <c>&lt;modelsDirectory&gt;/demo-chat</c> unless it is already there (pass
    /// <paramref name="overwrite"/> to rewrite it), then rescans the registry.
    /// </summary>
    public async Task<ModelManifest> WriteDemoChatModelAsync(
        string modelsDirectory, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        var manifest = await WriteDemoChatModelFilesAsync(modelsDirectory, overwrite, cancellationToken);
        await registry.RescanAsync(cancellationToken);
        return manifest;
    }

    /// <summary>Writes the demo chat model files only (no registry needed, for example from a command line).</summary>
    public static async Task<ModelManifest> WriteDemoChatModelFilesAsync(
        string modelsDirectory, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(modelsDirectory, DemoChatModelId);
        if (!overwrite && File.Exists(Path.Combine(directory, DemoChatModelWriter.GgufFileName))
                       && File.Exists(Path.Combine(directory, ModelManifestFile.FileName)))
            return await ModelManifestFile.ReadAsync(directory, cancellationToken);

        // Big enough to look like a model in the UI, small enough to load in milliseconds.
        return await DemoChatModelWriter.WriteAsync(modelsDirectory, new DemoChatModelOptions
        {
            Id = DemoChatModelId,
            EmbeddingLength = 64,
            BlockCount = 2,
            FeedForwardLength = 128,
            ContextLength = 2048,
            Seed = 42,
        }, cancellationToken);
    }
}
