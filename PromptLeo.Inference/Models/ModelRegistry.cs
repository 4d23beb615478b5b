using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Devices;

namespace PromptLeo.Inference.Models;

/// <summary>
/// The installed models in <c>&lt;ModelsDirectory&gt;/&lt;id&gt;/manifest.json</c>. Loads each model once, through the
/// <see cref="IModelLoader"/> registered for its kind. Memory is planned per device
/// (<see cref="InferenceOptions.MaxResidentBytesFor"/>): before a load, idle models on the same device (least recently
/// used first, never one with a lease) are unloaded until the new model's estimate fits; if it cannot fit, the load is
/// refused with <see cref="ModelCapacityException"/> rather than waiting. After the load the measured
/// <see cref="ILoadedModel.ResidentBytes"/> replaces the estimate and the cap is enforced again. A model that fails to
/// load is marked <see cref="ModelState.Failed"/> with the reason; the others keep working. A rescan gives failed
/// models another try.
/// </summary>
public sealed class ModelRegistry(
    IOptions<InferenceOptions> options,
    IEnumerable<IModelLoader> loaders,
    ILogger<ModelRegistry> logger,
    TimeProvider? timeProvider = null) : IModelRegistry, IAsyncDisposable
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly IModelLoader[] _loaders = loaders.ToArray();
    private bool _scanned;
    private long _useClock;

    /// <summary>
    /// The absolute models folder, resolved at first use (not in the constructor), so a host's
    /// <c>PostConfigure&lt;InferenceOptions&gt;</c> that supplies the default is always seen.
    /// </summary>
    public string ModelsDirectory => field ??= ResolveModelsDirectory(options.Value);

    /// <summary>
    /// Resolves <see cref="InferenceOptions.ModelsDirectory"/> to an absolute path. The host must supply it (the web
    /// app post-configures <c>&lt;data&gt;/models</c>); an empty value is an error rather than a silent guess relative
    /// to the current directory.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting is empty.</exception>
    public static string ResolveModelsDirectory(InferenceOptions options) =>
        string.IsNullOrWhiteSpace(options.ModelsDirectory)
            ? throw new InvalidOperationException(
                $"{InferenceOptions.SectionName}:{nameof(InferenceOptions.ModelsDirectory)} is not set. Configure it, or let the " +
                "host supply a default with PostConfigure<InferenceOptions>.")
            : Path.GetFullPath(options.ModelsDirectory);

    /// <inheritdoc />
    public IReadOnlyList<ModelStatus> List()
    {
        EnsureScanned();
        lock (_gate)
            return _entries.Values.OrderBy(e => e.Manifest.Id, StringComparer.OrdinalIgnoreCase).Select(ToStatus).ToList();
    }

    /// <inheritdoc />
    public ModelStatus? Get(string modelId)
    {
        EnsureScanned();
        lock (_gate)
            return _entries.TryGetValue(modelId, out var entry) ? ToStatus(entry) : null;
    }

    /// <inheritdoc />
    public async Task<IModelLease> AcquireAsync(string modelId, CancellationToken cancellationToken = default)
    {
        EnsureScanned();
        Entry entry;
        ModelFileSnapshot? loadedFiles = null;
        lock (_gate)
        {
            if (!_entries.TryGetValue(modelId, out entry!))
                throw new ModelNotFoundException(modelId);
            if (entry.State == ModelState.Loaded)
                loadedFiles = entry.Files;
        }

        if (loadedFiles is not null)
        {
            // A stat per file: a model whose file was deleted or replaced is refused now, not served from stale memory.
            if (loadedFiles.FindChange(withHeader: false) is { } change)
            {
                await MarkFilesChangedAsync(entry, loadedFiles, change);
                throw new ModelLoadException(FailedReason(change));
            }

            lock (_gate)
            {
                if (entry.State == ModelState.Loaded && entry.Files == loadedFiles)
                    return NewLease(entry);
            }
        }

        // One load per model: the second caller waits, then sees the loaded model (checked again under the lock).
        await entry.LoadLock.WaitAsync(cancellationToken);
        try
        {
            ModelManifest manifest;
            List<(string Id, ILoadedModel Model)> toMakeRoom;
            lock (_gate)
            {
                if (entry.Removed)
                    throw new ModelNotFoundException(modelId);
                switch (entry.State)
                {
                    case ModelState.Loaded:
                        return NewLease(entry);
                    case ModelState.Failed:
                        throw new ModelLoadException(entry.Error ?? "The model failed to load.");
                }

                // Throws before the state changes: a model that does not fit now is not a failed model.
                toMakeRoom = MakeRoom(entry, PlannedDevice(entry));
                entry.State = ModelState.Loading;
                manifest = entry.Manifest;
            }

            await UnloadAsync(toMakeRoom, $"making room for {manifest.Id}");

            ILoadedModel model;
            ModelFileSnapshot files;
            try
            {
                var loader = _loaders.FirstOrDefault(l => l.Kinds.Contains(manifest.Kind))
                             ?? throw new ModelLoadException($"No loader is registered for models of kind '{manifest.Kind}'.");
                logger.LogInformation("Loading model {ModelId} ({Kind})", manifest.Id, manifest.Kind);
                // Taken before the loader reads the files, so a change during the load is noticed too.
                files = await Task.Run(() => ModelFileSnapshot.Take(entry.Directory), cancellationToken);
                model = await loader.LoadAsync(manifest, entry.Directory, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                lock (_gate)
                {
                    entry.State = ModelState.NotLoaded;
                    entry.PlannedDevice = null;
                }

                throw;
            }
            catch (Exception ex)
            {
                var reason = ex is ModelLoadException ? ex.Message : $"Loading failed: {ex.GetType().Name}: {ex.Message}";
                lock (_gate)
                {
                    entry.State = ModelState.Failed;
                    entry.Error = reason;
                    entry.PlannedDevice = null;
                }

                logger.LogWarning(ex, "Model {ModelId} failed to load: {Reason}", manifest.Id, reason);
                throw ex as ModelLoadException ?? new ModelLoadException(reason, ex);
            }

            IModelLease lease;
            lock (_gate)
            {
                entry.Model = model;
                entry.Files = files;
                entry.State = ModelState.Loaded;
                entry.Error = null;
                entry.PlannedDevice = null;
                entry.LastDevice = DeviceMemory.KeyOf(model.Device);
                lease = NewLease(entry);
            }

            logger.LogInformation("Model {ModelId} loaded on {Device} ({ResidentBytes} bytes)",
                manifest.Id, model.Device.Device, model.ResidentBytes);
            await EnforceBudgetAsync();
            return lease;
        }
        finally
        {
            entry.LoadLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task RescanAsync(CancellationToken cancellationToken = default)
    {
        // A loaded model whose files were replaced (a reinstall) is unloaded first, so this rescan lets it load afresh.
        await VerifyLoadedFilesAsync(cancellationToken);
        var found = await Task.Run(ScanFolder, cancellationToken);
        await UnloadAsync(Apply(found, onlyIfFirstScan: false), "removed from the models folder");
    }

    /// <summary>
    /// Compares the files of every loaded model with what was loaded (size, time and header hash) and marks a model
    /// whose files were deleted, truncated or replaced <see cref="ModelState.Failed"/>; returns how many were.
    /// </summary>
    public async Task<int> VerifyLoadedFilesAsync(CancellationToken cancellationToken = default)
    {
        List<(Entry Entry, ModelFileSnapshot Files)> loaded;
        lock (_gate)
            loaded = _entries.Values.Where(e => e is { State: ModelState.Loaded, Files: not null }).Select(e => (e, e.Files!)).ToList();
        var failed = 0;
        foreach (var (entry, files) in loaded)
        {
            if (await Task.Run(() => files.FindChange(withHeader: true), cancellationToken) is { } change)
            {
                await MarkFilesChangedAsync(entry, files, change);
                failed++;
            }
        }

        return failed;
    }

    private List<(string Id, ILoadedModel Model)> Apply(Dictionary<string, (string Directory, ModelManifest Manifest, string? Error)> found, bool onlyIfFirstScan)
    {
        var toUnload = new List<(string Id, ILoadedModel Model)>();
        lock (_gate)
        {
            if (onlyIfFirstScan && _scanned)
                return toUnload;
            foreach (var (id, (directory, manifest, error)) in found)
            {
                if (_entries.TryGetValue(id, out var existing))
                {
                    // A failed model still held by requests in flight is retried once they have released it.
                    if (existing is { State: ModelState.Failed or ModelState.NotLoaded, Model: null })
                    {
                        existing.Manifest = manifest;
                        existing.EstimatedBytes = EstimateResidentBytes(directory, manifest);
                        existing.State = error is null ? ModelState.NotLoaded : ModelState.Failed;
                        existing.Error = error;
                    }

                    continue;
                }

                _entries[id] = new Entry(directory, manifest)
                {
                    State = error is null ? ModelState.NotLoaded : ModelState.Failed,
                    Error = error,
                    EstimatedBytes = EstimateResidentBytes(directory, manifest),
                    LastUsedAt = _time.GetUtcNow(),
                };
            }

            foreach (var gone in _entries.Values.Where(e => !found.ContainsKey(e.Manifest.Id)).ToList())
            {
                _entries.Remove(gone.Manifest.Id);
                gone.Removed = true;
                if (gone.Leases == 0 && gone.Model is { } model)
                {
                    toUnload.Add((gone.Manifest.Id, model));
                    gone.Model = null;
                    gone.Files = null;
                    gone.State = ModelState.NotLoaded;
                }
            }

            _scanned = true;
        }

        return toUnload;
    }

    /// <summary>Unloads every model.</summary>
    public async ValueTask DisposeAsync()
    {
        List<(string, ILoadedModel)> all;
        lock (_gate)
        {
            all = _entries.Values.Where(e => e.Model is not null).Select(e => (e.Manifest.Id, e.Model!)).ToList();
            foreach (var entry in _entries.Values)
            {
                entry.Model = null;
                entry.Files = null;
                entry.State = ModelState.NotLoaded;
            }
        }

        await UnloadAsync(all, "shutting down");
    }

    // List and Get are synchronous; the first scan runs synchronously too (plain file I/O) instead of blocking on a task.
    // Before the first scan there are no entries, so it has nothing to unload.
    private void EnsureScanned()
    {
        bool scanned;
        lock (_gate)
            scanned = _scanned;
        if (!scanned)
            Apply(ScanFolder(), onlyIfFirstScan: true);
    }

    private static string FailedReason(string change) => $"{change} Restore the file, then rescan the models folder.";

    private async Task MarkFilesChangedAsync(Entry entry, ModelFileSnapshot files, string change)
    {
        ILoadedModel? unload = null;
        lock (_gate)
        {
            // Another request or the monitor got here first.
            if (entry.State != ModelState.Loaded || entry.Files != files)
                return;
            entry.State = ModelState.Failed;
            entry.Error = FailedReason(change);
            entry.Files = null;
            if (entry.Leases == 0)
            {
                unload = entry.Model;
                entry.Model = null;
            }
        }

        logger.LogError("Model {ModelId} marked failed: {Reason}", entry.Manifest.Id, change);
        if (unload is not null)
            await UnloadAsync([(entry.Manifest.Id, unload)], "its files changed on disk");
    }

    private Dictionary<string, (string Directory, ModelManifest Manifest, string? Error)> ScanFolder()
    {
        var found = new Dictionary<string, (string, ModelManifest, string?)>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(ModelsDirectory))
            return found;
        foreach (var directory in Directory.EnumerateDirectories(ModelsDirectory))
        {
            var id = Path.GetFileName(directory);
            // Dot-folders hold downloads in progress; folders without a manifest are not installed models.
            if (id.StartsWith('.') || !File.Exists(Path.Combine(directory, ModelManifestFile.FileName)))
                continue;
            try
            {
                // The folder name is the id, so two manifests can never claim the same one.
                var manifest = ModelManifestFile.Read(directory) with { Id = id };
                found[id] = (directory, manifest, null);
            }
            catch (ModelLoadException ex)
            {
                logger.LogWarning("Model folder {ModelId} has an unusable manifest: {Reason}", id, ex.Message);
                found[id] = (directory, new ModelManifest { Id = id, DisplayName = id, Kind = default }, ex.Message);
            }
        }

        return found;
    }

    private IModelLease NewLease(Entry entry)
    {
        entry.Leases++;
        entry.LastUsed = Interlocked.Increment(ref _useClock);
        entry.LastUsedAt = _time.GetUtcNow();
        return new Lease(this, entry, entry.Model!);
    }

    private void Release(Entry entry)
    {
        List<(string, ILoadedModel)> toUnload = [];
        lock (_gate)
        {
            entry.Leases--;
            entry.LastUsed = Interlocked.Increment(ref _useClock);
            entry.LastUsedAt = _time.GetUtcNow();
            // Removed from the folder, or failed because its files changed: unloaded when the last request lets go.
            if (entry is { Leases: 0, Model: { } model } && (entry.Removed || entry.State == ModelState.Failed))
            {
                toUnload.Add((entry.Manifest.Id, model));
                entry.Model = null;
                if (entry.Removed)
                    entry.State = ModelState.NotLoaded;
            }
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await UnloadAsync(toUnload, "removed from the models folder");
                await EnforceBudgetAsync();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Unloading idle models failed");
            }
        });
    }

    // After a load the measured size may exceed the estimate: idle models on that device go, LRU first.
    private async Task EnforceBudgetAsync()
    {
        var toUnload = new List<(string, ILoadedModel)>();
        lock (_gate)
        {
            foreach (var device in _entries.Values.Where(e => e.Model is not null).Select(DeviceOf).Distinct().ToList())
            {
                var max = options.Value.MaxResidentBytesFor(device);
                if (max <= 0)
                    continue;
                var onDevice = _entries.Values.Where(e => DeviceOf(e) == device).ToList();
                var total = onDevice.Sum(Footprint);
                foreach (var idle in Idle(onDevice))
                {
                    if (total <= max)
                        break;
                    total -= idle.Model!.ResidentBytes;
                    toUnload.Add(Detach(idle));
                }
            }
        }

        await UnloadAsync(toUnload, "resident-memory cap of its device exceeded");
    }

    /// <summary>
    /// Picks the idle models on <paramref name="device"/> to unload so that <paramref name="entry"/>'s estimate fits
    /// the device's cap, and detaches them (call under the lock). Unloads nothing when it could not fit anyway.
    /// </summary>
    private List<(string Id, ILoadedModel Model)> MakeRoom(Entry entry, string device)
    {
        var needed = entry.EstimatedBytes;
        var max = options.Value.MaxResidentBytesFor(device);
        entry.PlannedDevice = device;
        if (max <= 0)
            return [];
        if (needed > max)
        {
            entry.PlannedDevice = null;
            throw new ModelCapacityException(
                $"Model '{entry.Manifest.Id}' needs about {needed:N0} bytes on {device}, more than the cap of {max:N0} bytes " +
                $"for that device. Raise {InferenceOptions.SectionName}:{nameof(InferenceOptions.MaxResidentBytesPerDevice)}:" +
                $"{DeviceMemory.Normalize(device)} (or {nameof(InferenceOptions.MaxResidentBytes)}).");
        }

        var onDevice = _entries.Values.Where(e => e != entry && DeviceOf(e) == device).ToList();
        var used = onDevice.Sum(Footprint);
        var chosen = new List<Entry>();
        foreach (var idle in Idle(onDevice))
        {
            if (used + needed <= max)
                break;
            used -= idle.Model!.ResidentBytes;
            chosen.Add(idle);
        }

        if (used + needed > max)
        {
            entry.PlannedDevice = null;
            var busy = string.Join(", ", onDevice.Where(e => Footprint(e) > 0 && !chosen.Contains(e)).Select(e => e.Manifest.Id));
            throw new ModelCapacityException(
                $"Not enough memory on {device} for model '{entry.Manifest.Id}' (about {needed:N0} bytes): {used:N0} of " +
                $"{max:N0} bytes are held by models serving requests or loading ({busy}). Try again when they have finished.");
        }

        return chosen.Select(Detach).ToList();
    }

    /// <summary>Unloads every model unused for at least <paramref name="idleFor"/> that no request holds; returns how many.</summary>
    public async Task<int> UnloadIdleAsync(TimeSpan idleFor)
    {
        List<(string, ILoadedModel)> toUnload;
        var cutoff = _time.GetUtcNow() - idleFor;
        lock (_gate)
            toUnload = Idle(_entries.Values).Where(e => e.LastUsedAt <= cutoff).Select(Detach).ToList();
        await UnloadAsync(toUnload, $"idle for {idleFor.TotalSeconds:0} s");
        return toUnload.Count;
    }

    /// <inheritdoc />
    public async Task<bool> UnloadAsync(string modelId, CancellationToken cancellationToken = default)
    {
        EnsureScanned();
        var entry = Find(modelId);
        // Waits for a load in progress, and keeps a new one from starting while this runs.
        await entry.LoadLock.WaitAsync(cancellationToken);
        (string, ILoadedModel)? unload;
        try
        {
            lock (_gate)
            {
                ThrowIfGoneOrInUse(entry);
                unload = entry.Model is null ? null : Detach(entry);
            }
        }
        finally
        {
            entry.LoadLock.Release();
        }

        if (unload is null)
            return false;
        await UnloadAsync([unload.Value], "unloaded by an administrator");
        return true;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string modelId, CancellationToken cancellationToken = default)
    {
        EnsureScanned();
        var entry = Find(modelId);
        var folder = Path.GetFullPath(entry.Directory);
        // The folder must be a direct child of the models folder: nothing outside it is ever deleted.
        if (!string.Equals(Path.GetDirectoryName(folder), Path.TrimEndingDirectorySeparator(ModelsDirectory), StringComparison.Ordinal))
            throw new InvalidOperationException($"Model '{modelId}' is not a folder directly inside the models folder.");
        var trash = Path.Combine(ModelsDirectory, $".deleting-{Path.GetFileName(folder)}-{Guid.NewGuid():N}");
        await entry.LoadLock.WaitAsync(cancellationToken);
        (string, ILoadedModel)? unload;
        try
        {
            lock (_gate)
            {
                ThrowIfGoneOrInUse(entry);
                // Renamed first (atomic): a scan never sees a half-deleted model, and a failed rename changes nothing.
                Directory.Move(folder, trash);
                _entries.Remove(entry.Manifest.Id);
                entry.Removed = true;
                unload = entry.Model is null ? null : Detach(entry);
            }
        }
        finally
        {
            entry.LoadLock.Release();
        }

        if (unload is not null)
            await UnloadAsync([unload.Value], "deleted by an administrator");
        logger.LogInformation("Model {ModelId} deleted", modelId);
        await Task.Run(() => DeleteFolder(trash), CancellationToken.None);
    }

    private static void DeleteFolder(string path)
    {
        var info = new DirectoryInfo(path);
        // A linked model folder: remove the link, never what it points to.
        if (info.LinkTarget is not null)
            info.Delete();
        else
            info.Delete(recursive: true);
    }

    private Entry Find(string modelId)
    {
        lock (_gate)
            return _entries.TryGetValue(modelId, out var entry) ? entry : throw new ModelNotFoundException(modelId);
    }

    // A rescan may have dropped the entry while this call waited for the load lock.
    private static void ThrowIfGoneOrInUse(Entry entry)
    {
        if (entry.Removed)
            throw new ModelNotFoundException(entry.Manifest.Id);
        if (entry.Leases > 0)
            throw new ModelInUseException(entry.Manifest.Id, entry.Leases);
    }

    private static IEnumerable<Entry> Idle(IEnumerable<Entry> entries) =>
        entries.Where(e => e is { State: ModelState.Loaded, Model: not null, Leases: 0 }).OrderBy(e => e.LastUsed);

    // Bytes a model takes on its device now: measured when loaded, the estimate while loading.
    private static long Footprint(Entry e) => e.Model?.ResidentBytes ?? (e.State == ModelState.Loading ? e.EstimatedBytes : 0);

    private string DeviceOf(Entry e) =>
        e.Model is { } model ? DeviceMemory.KeyOf(model.Device) : e.PlannedDevice ?? PlannedDevice(e);

    // Where the model ran last time (measured), else the loader's plan, else CPU; the measurement after a load corrects it.
    private string PlannedDevice(Entry entry) =>
        entry.LastDevice
        ?? _loaders.FirstOrDefault(l => l.Kinds.Contains(entry.Manifest.Kind))?.PlannedDevice(entry.Manifest)
        ?? DeviceMemory.Cpu;

    private static (string Id, ILoadedModel Model) Detach(Entry entry)
    {
        var model = entry.Model!;
        entry.Model = null;
        entry.Files = null;
        if (entry.State == ModelState.Loaded)
            entry.State = ModelState.NotLoaded;
        return (entry.Manifest.Id, model);
    }

    /// <summary>
    /// The bytes a model is expected to hold once loaded: the manifest's <see cref="ModelManifest.ResidentBytes"/>, else
    /// the size of its weight files (<see cref="ModelFolder.WeightBytes"/>).
    /// </summary>
    public static long EstimateResidentBytes(string directory, ModelManifest manifest)
    {
        if (manifest.ResidentBytes is > 0 and var declared)
            return declared;
        try
        {
            return ModelFolder.WeightBytes(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private async Task UnloadAsync(IEnumerable<(string Id, ILoadedModel Model)> models, string why)
    {
        foreach (var (id, model) in models)
        {
            logger.LogInformation("Unloading model {ModelId}: {Why}", id, why);
            try
            {
                await model.DisposeAsync();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Unloading model {ModelId} failed", id);
            }
        }
    }

    private ModelStatus ToStatus(Entry e) =>
        new(e.Manifest, e.State, e.Error, e.Model?.Device, e.Model?.ResidentBytes ?? 0, e.EstimatedBytes, DeviceOf(e), e.Leases, e.LastUsedAt);

    private sealed class Entry(string directory, ModelManifest manifest)
    {
        public string Directory { get; } = directory;
        public ModelManifest Manifest { get; set; } = manifest;
        public ModelState State { get; set; }
        public string? Error { get; set; }
        public ILoadedModel? Model { get; set; }
        /// <summary>The files as they were when <see cref="Model"/> was loaded.</summary>
        public ModelFileSnapshot? Files { get; set; }
        public int Leases { get; set; }
        public long LastUsed { get; set; }
        public DateTimeOffset LastUsedAt { get; set; }
        public long EstimatedBytes { get; set; }
        /// <summary>The device pool a load in progress was planned for.</summary>
        public string? PlannedDevice { get; set; }
        /// <summary>The device pool the model ran on when it was last loaded.</summary>
        public string? LastDevice { get; set; }
        public bool Removed { get; set; }
        public SemaphoreSlim LoadLock { get; } = new(1, 1);
    }

    private sealed class Lease(ModelRegistry registry, Entry entry, ILoadedModel model) : IModelLease
    {
        private int _disposed;

        public ILoadedModel Model { get; } = model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                registry.Release(entry);
        }
    }
}
