using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Models;

/// <summary>Progress of a download: bytes so far (including resumed bytes) and the total when known.</summary>
public sealed record ModelDownloadProgress(long BytesDownloaded, long? TotalBytes, double BytesPerSecond);

/// <summary>What to install: one file from a URL into <c>&lt;ModelsDirectory&gt;/&lt;Id&gt;/&lt;FileName&gt;</c>.</summary>
public sealed record ModelInstallRequest
{
    public required string Id { get; init; }
    public required Uri Url { get; init; }
    public required string FileName { get; init; }
    public string? DisplayName { get; init; }
    public ModelKind Kind { get; init; } = ModelKind.Chat;
    /// <summary>Expected SHA-256 (hex); when null the server's LFS hash (<c>X-Linked-Etag</c>) is used if present.</summary>
    public string? Sha256 { get; init; }
    public string License { get; init; } = "unknown";
    public int ContextLength { get; init; }
    /// <summary>Used for the disk-space check when the server does not report a size.</summary>
    public long? ExpectedSizeBytes { get; init; }
}

/// <summary>The download or its verification failed; nothing was installed.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Installs one model file from any URL, through <see cref="ModelPackageInstaller"/>: resumed with HTTP Range, SHA-256
/// verified, moved into place as a whole folder, so the registry never sees a half-installed model.
/// </summary>
public sealed class ModelDownloader(ModelPackageInstaller installer, IOptions<InferenceOptions> options)
{
    /// <summary>Downloads, verifies and installs one model file, writes its manifest and rescans the registry.</summary>
    public async Task<ModelManifest> InstallAsync(ModelInstallRequest request, IProgress<ModelDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (request.FileName.Contains('/') || request.FileName.Contains('\\') || request.FileName is "" or "." or ".." or ModelManifestFile.FileName)
            throw new ArgumentException("FileName must be a plain file name.", nameof(request));
        var package = new ModelPackageRequest
        {
            Id = request.Id,
            DisplayName = request.DisplayName,
            Kind = request.Kind,
            Files = [new ModelPackageDownload(request.Url, request.FileName, request.Sha256, request.ExpectedSizeBytes)],
            License = request.License,
            ContextLength = request.ContextLength,
            ExpectedTotalBytes = request.ExpectedSizeBytes,
            ProbeSizes = false,
        };
        var perFile = progress is null ? null : new Relay(p => progress.Report(new ModelDownloadProgress(p.FileBytes, p.FileTotalBytes, p.BytesPerSecond)));
        return await installer.InstallAsync(package, perFile, cancellationToken);
    }

    /// <summary>Deletes a partial download of <paramref name="id"/> (this version's staging folder and an older version's <c>.part</c> file).</summary>
    public void DiscardPartialDownload(string id, string fileName)
    {
        var legacy = Path.Combine(ModelRegistry.ResolveModelsDirectory(options.Value), ".downloads", $"{id}--{Path.GetFileName(fileName)}.part");
        if (File.Exists(legacy))
            File.Delete(legacy);
        installer.DiscardStaging(id);
    }

    private sealed class Relay(Action<ModelInstallProgress> report) : IProgress<ModelInstallProgress>
    {
        public void Report(ModelInstallProgress value) => report(value);
    }
}
