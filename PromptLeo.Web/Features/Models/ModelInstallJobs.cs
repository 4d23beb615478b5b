using System.Collections.Concurrent;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Models;

/// <summary>Audit actions of model installs (kept here so the shared action list stays untouched).</summary>
public static class ModelAuditActions
{
    public const string LicenseAccepted = "model.license-accepted";
    public const string InstallStarted = "model.install-started";
    public const string Installed = "model.installed";
    public const string InstallFailed = "model.install-failed";
}

public enum ModelInstallPhase
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Progress of one file of an install.</summary>
public sealed record ModelInstallFileState(string Path, long Bytes, long? TotalBytes, bool Done);

/// <summary>A snapshot of one install, for the admin panel.</summary>
public sealed record ModelInstallJobState(
    string ModelId,
    string DisplayName,
    ModelInstallPhase Phase,
    IReadOnlyList<ModelInstallFileState> Files,
    long Bytes,
    long? TotalBytes,
    double BytesPerSecond,
    string? Error)
{
    /// <summary>0–100 when the total is known.</summary>
    public int? Percent => TotalBytes is > 0 ? (int)Math.Min(100, Bytes * 100 / TotalBytes.Value) : Phase == ModelInstallPhase.Completed ? 100 : null;
}

/// <summary>
/// Runs model installs in the background, one per model id, so an admin can leave the page; the panel reads
/// <see cref="Jobs"/> and listens to <see cref="Changed"/>. A restricted license must be accepted; the acceptance and
/// the start and outcome of every install go to the audit log with the admin's id.
/// </summary>
public sealed class ModelInstallJobs(ModelPackageInstaller installer, AuditLog audit, ILogger<ModelInstallJobs> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, Job> jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Raised (on a pool thread) whenever a job's state changes.</summary>
    public event Action? Changed;

    public IReadOnlyList<ModelInstallJobState> Jobs => jobs.Values.Select(j => j.State).OrderBy(s => s.ModelId, StringComparer.Ordinal).ToList();

    public ModelInstallJobState? Get(string modelId) => jobs.TryGetValue(modelId, out var job) ? job.State : null;

    /// <summary>Starts an install in the background and returns at once.</summary>
    /// <exception cref="ModelLicenseNotAcceptedException">The license is restricted and <see cref="ModelPackageRequest.LicenseAccepted"/> is false.</exception>
    /// <exception cref="ModelDownloadException">That model is already being installed.</exception>
    public async Task StartAsync(string adminId, ModelPackageRequest request, CancellationToken cancellationToken = default)
    {
        if (request.RequiresLicenseAcceptance && !request.LicenseAccepted)
            throw new ModelLicenseNotAcceptedException(request.Id, request.License);
        var job = new Job(request, CancellationTokenSource.CreateLinkedTokenSource(stopping.Token));
        if (jobs.TryGetValue(request.Id, out var existing) && existing.State.Phase == ModelInstallPhase.Running
            || !jobs.TryAdd(request.Id, job) && !TryReplaceFinished(request.Id, job))
            throw new ModelDownloadException($"Model '{request.Id}' is already being installed.");

        try
        {
            if (request.RequiresLicenseAcceptance)
                await audit.WriteAsync(adminId, null, ModelAuditActions.LicenseAccepted, $"model {request.Id}; license {request.License}", cancellationToken);
            await audit.WriteAsync(adminId, null, ModelAuditActions.InstallStarted, $"model {request.Id}; {request.Files.Count} files", cancellationToken);
        }
        catch
        {
            // No install without its audit entry; the slot is free again.
            jobs.TryRemove(new KeyValuePair<string, Job>(request.Id, job));
            throw;
        }
        Changed?.Invoke();
        job.Task = Task.Run(() => RunAsync(adminId, job), CancellationToken.None);
    }

    /// <summary>Stops a running install; with <paramref name="discard"/> its partial files are deleted too.</summary>
    public async Task CancelAsync(string modelId, bool discard)
    {
        if (!jobs.TryGetValue(modelId, out var job))
            return;
        if (job.State.Phase == ModelInstallPhase.Running)
            await job.Cancellation.CancelAsync();
        await job.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (discard)
        {
            installer.DiscardStaging(modelId);
            jobs.TryRemove(modelId, out _);
        }
        Changed?.Invoke();
    }

    /// <summary>Removes a finished job from the list (its staging files stay for a resume unless discarded).</summary>
    public void Dismiss(string modelId)
    {
        if (jobs.TryGetValue(modelId, out var job) && job.State.Phase != ModelInstallPhase.Running && jobs.TryRemove(modelId, out _))
            Changed?.Invoke();
    }

    /// <summary>Waits for the install of <paramref name="modelId"/> to end (tests, the CLI).</summary>
    public Task WaitAsync(string modelId) =>
        jobs.TryGetValue(modelId, out var job) ? job.Task.ContinueWith(_ => { }, TaskScheduler.Default) : Task.CompletedTask;

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await Task.WhenAll(jobs.Values.Select(j => j.Task)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private bool TryReplaceFinished(string modelId, Job job) =>
        jobs.TryGetValue(modelId, out var old) && old.State.Phase != ModelInstallPhase.Running && jobs.TryUpdate(modelId, job, old);

    private async Task RunAsync(string adminId, Job job)
    {
        var id = job.Request.Id;
        string outcome;
        try
        {
            await installer.InstallAsync(job.Request, new Relay(job, () => Changed?.Invoke()), job.Cancellation.Token);
            job.Finish(ModelInstallPhase.Completed, null);
            outcome = ModelAuditActions.Installed;
        }
        catch (OperationCanceledException)
        {
            job.Finish(ModelInstallPhase.Cancelled, null);
            outcome = ModelAuditActions.InstallFailed;
        }
        catch (Exception ex) when (ex is ModelDownloadException or HttpRequestException or IOException or ArgumentException or ModelLicenseNotAcceptedException)
        {
            // A download or disk problem is the operator's to fix; the message says what.
            logger.LogWarning("Install of model {ModelId} failed: {Reason}", id, ex.Message);
            job.Finish(ModelInstallPhase.Failed, ex.Message);
            outcome = ModelAuditActions.InstallFailed;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Install of model {ModelId} failed", id);
            job.Finish(ModelInstallPhase.Failed, ex.Message);
            outcome = ModelAuditActions.InstallFailed;
        }
        Changed?.Invoke();
        await audit.WriteAsync(adminId, null, outcome, $"model {id}; {job.State.Phase}", CancellationToken.None);
    }

    private sealed class Job(ModelPackageRequest request, CancellationTokenSource cancellation)
    {
        private readonly object gate = new();
        private ModelInstallJobState state = new(request.Id, request.DisplayName ?? request.Id, ModelInstallPhase.Running,
            request.Files.Select(f => new ModelInstallFileState(f.TargetPath, 0, f.SizeBytes, false)).ToList(), 0, request.ExpectedTotalBytes, 0, null);

        public ModelPackageRequest Request { get; } = request;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public Task Task { get; set; } = Task.CompletedTask;

        public ModelInstallJobState State
        {
            get
            {
                lock (gate)
                    return state;
            }
        }

        public void Report(ModelInstallProgress progress)
        {
            lock (gate)
            {
                var files = state.Files.Select((f, i) => i < progress.FileIndex ? f with { Done = true }
                    : i == progress.FileIndex ? f with { Bytes = progress.FileBytes, TotalBytes = progress.FileTotalBytes, Done = progress.FileBytes == progress.FileTotalBytes }
                    : f).ToList();
                state = state with
                {
                    Files = files, Bytes = progress.OverallBytes, TotalBytes = progress.OverallTotalBytes ?? state.TotalBytes,
                    BytesPerSecond = progress.BytesPerSecond,
                };
            }
        }

        public void Finish(ModelInstallPhase phase, string? error)
        {
            lock (gate)
            {
                state = state with
                {
                    Phase = phase, Error = error,
                    Files = phase == ModelInstallPhase.Completed ? state.Files.Select(f => f with { Done = true }).ToList() : state.Files,
                };
            }
        }
    }

    private sealed class Relay(Job job, Action changed) : IProgress<ModelInstallProgress>
    {
        public void Report(ModelInstallProgress value)
        {
            job.Report(value);
            changed();
        }
    }
}
