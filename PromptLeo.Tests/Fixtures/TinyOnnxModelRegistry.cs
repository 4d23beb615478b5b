using System.Text.Json;
using PromptLeo.Inference.Models;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// Test-only registry plumbing: reads each sub-folder's <c>manifest.json</c> and loads it with the real
/// <see cref="IModelLoader"/> for its kind. No inference is faked. Replace with the production registry after the merge.
/// </summary>
internal sealed class TinyOnnxModelRegistry(string root, IEnumerable<IModelLoader> loaders) : IModelRegistry, IAsyncDisposable
{
    private readonly Dictionary<string, ILoadedModel> loaded = [];
    private readonly SemaphoreSlim gate = new(1, 1);

    public IReadOnlyList<ModelStatus> List() => Manifests().Select(m => new ModelStatus(m, loaded.ContainsKey(m.Id) ? ModelState.Loaded : ModelState.NotLoaded)).ToList();

    public ModelStatus? Get(string modelId) => List().FirstOrDefault(s => s.Manifest.Id == modelId);

    public async Task<IModelLease> AcquireAsync(string modelId, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!loaded.TryGetValue(modelId, out var model))
            {
                var manifest = Manifests().FirstOrDefault(m => m.Id == modelId) ?? throw new ModelNotFoundException(modelId);
                var loader = loaders.First(l => l.Kinds.Contains(manifest.Kind));
                model = await loader.LoadAsync(manifest, Path.Combine(root, modelId), cancellationToken);
                loaded[modelId] = model;
            }

            return new Lease(model);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task RescanAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var model in loaded.Values)
        {
            await model.DisposeAsync();
        }

        gate.Dispose();
    }

    private IEnumerable<ModelManifest> Manifests() =>
        Directory.EnumerateDirectories(root)
            .Select(d => Path.Combine(d, "manifest.json"))
            .Where(File.Exists)
            .Select(p => JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(p), JsonSerializerOptions.Web)!);

    private sealed class Lease(ILoadedModel model) : IModelLease
    {
        public ILoadedModel Model => model;
        public void Dispose() { }
    }
}
