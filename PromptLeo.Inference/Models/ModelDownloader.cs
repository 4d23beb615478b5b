using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;

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
/// Installs models from the catalog, any URL or a Hugging Face repo+file. Downloads resume with HTTP Range into a
/// <c>.part</c> file under <c>&lt;ModelsDirectory&gt;/.downloads</c>, are SHA-256 verified, and are moved into place
/// as a whole folder, so the registry never sees a half-installed model. A cancelled download keeps its
/// <c>.part</c> file for the next attempt; a hash mismatch deletes it.
/// </summary>
public sealed partial class ModelDownloader(
    HttpClient http,
    IModelRegistry registry,
    IOptions<InferenceOptions> options,
    ILogger<ModelDownloader> logger)
{
    private const int MaxRedirects = 10;
    private const long DiskSpaceMargin = 64L << 20;

    /// <summary>The Hugging Face download URL of <paramref name="file"/> in <paramref name="repo"/>.</summary>
    public static Uri HuggingFaceUrl(string repo, string file, string revision = "main") =>
        new($"https://huggingface.co/{repo}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>Installs a catalog entry.</summary>
    public Task<ModelManifest> InstallAsync(ModelCatalogEntry entry, IProgress<ModelDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        InstallAsync(new ModelInstallRequest
        {
            Id = entry.Id,
            Url = entry.Url,
            FileName = entry.FileName,
            DisplayName = entry.DisplayName,
            Kind = entry.Kind,
            Sha256 = entry.Sha256,
            License = entry.License,
            ContextLength = entry.ContextLength,
            ExpectedSizeBytes = entry.ApproximateSizeBytes,
        }, progress, cancellationToken);

    /// <summary>Installs <paramref name="file"/> from the Hugging Face repository <paramref name="repo"/>.</summary>
    public Task<ModelManifest> InstallFromHuggingFaceAsync(string id, string repo, string file, ModelKind kind = ModelKind.Chat,
        string? sha256 = null, string revision = "main", IProgress<ModelDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        InstallAsync(new ModelInstallRequest
        {
            Id = id,
            Url = HuggingFaceUrl(repo, file, revision),
            FileName = Path.GetFileName(file),
            DisplayName = $"{repo}/{file}",
            Kind = kind,
            Sha256 = sha256,
        }, progress, cancellationToken);

    /// <summary>Downloads, verifies and installs one model file, writes its manifest and rescans the registry.</summary>
    public async Task<ModelManifest> InstallAsync(ModelInstallRequest request, IProgress<ModelDownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!ValidId().IsMatch(request.Id))
            throw new ArgumentException("A model id uses letters, digits, '.', '_' and '-' and starts with a letter or digit.", nameof(request));
        if (request.FileName.Contains('/') || request.FileName.Contains('\\') || request.FileName is "" or "." or ".." or ModelManifestFile.FileName)
            throw new ArgumentException("FileName must be a plain file name.", nameof(request));
        if (request.Sha256 is { } given && !Sha256Hex().IsMatch(given))
            throw new ArgumentException("Sha256 must be 64 hex digits.", nameof(request));

        var modelsDirectory = ModelRegistry.ResolveModelsDirectory(options.Value);
        var target = Path.Combine(modelsDirectory, request.Id);
        if (Directory.Exists(target))
            throw new ModelDownloadException($"Model '{request.Id}' is already installed; remove it first.");
        var staging = Path.Combine(modelsDirectory, ".downloads");
        Directory.CreateDirectory(staging);
        var partPath = Path.Combine(staging, $"{request.Id}--{request.FileName}.part");

        logger.LogInformation("Downloading model {ModelId} from {Host}", request.Id, request.Url.Host);
        var serverHash = await DownloadAsync(request, partPath, modelsDirectory, progress, cancellationToken);

        var expected = (request.Sha256 ?? serverHash)?.ToLowerInvariant();
        string actual;
        await using (var part = File.OpenRead(partPath))
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(part, cancellationToken));
        if (expected is null)
        {
            logger.LogWarning("Model {ModelId}: no SHA-256 given or reported by the server; recorded {Sha256} unverified", request.Id, actual);
        }
        else if (expected != actual)
        {
            File.Delete(partPath);
            throw new ModelDownloadException($"SHA-256 mismatch for {request.FileName}: expected {expected}, got {actual}. The download was discarded.");
        }

        if (request.Kind == ModelKind.Chat && request.FileName.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                GgufFileValidator.Validate(partPath);
            }
            catch (ModelLoadException ex)
            {
                File.Delete(partPath);
                throw new ModelDownloadException($"The downloaded file is not a usable GGUF model: {ex.Message}", ex);
            }
        }

        // Assemble the folder beside its final place, then move it in one step.
        var assembly = Path.Combine(staging, $"{request.Id}.install");
        if (Directory.Exists(assembly))
            Directory.Delete(assembly, recursive: true);
        Directory.CreateDirectory(assembly);
        var size = new FileInfo(partPath).Length;
        File.Move(partPath, Path.Combine(assembly, request.FileName));
        var manifest = new ModelManifest
        {
            Id = request.Id,
            DisplayName = request.DisplayName ?? request.Id,
            Kind = request.Kind,
            Files = [new ModelFile(request.FileName, actual, size, request.Url.ToString())],
            License = request.License,
            ContextLength = request.ContextLength,
        };
        await ModelManifestFile.WriteAsync(assembly, manifest, CancellationToken.None);
        Directory.Move(assembly, target);
        logger.LogInformation("Model {ModelId} installed ({SizeBytes} bytes, SHA-256 {Verified})",
            request.Id, size, expected is null ? "unverified" : "verified");

        await registry.RescanAsync(CancellationToken.None);
        return manifest;
    }

    /// <summary>Deletes a partial download of <paramref name="id"/>, if any.</summary>
    public void DiscardPartialDownload(string id, string fileName)
    {
        var partPath = Path.Combine(ModelRegistry.ResolveModelsDirectory(options.Value), ".downloads", $"{id}--{fileName}.part");
        if (File.Exists(partPath))
            File.Delete(partPath);
    }

    // Returns the SHA-256 the server reports for the file (Hugging Face: X-Linked-Etag of the LFS pointer), if any.
    private async Task<string?> DownloadAsync(ModelInstallRequest request, string partPath, string modelsDirectory,
        IProgress<ModelDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        var (response, linkedHash, linkedSize) = await SendAsync(request.Url, existing, cancellationToken);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
            {
                // The .part file already holds the whole file.
                progress?.Report(new ModelDownloadProgress(existing, existing, 0));
                return linkedHash;
            }

            if (!response.IsSuccessStatusCode)
                throw new ModelDownloadException($"Download failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");

            var resumed = response.StatusCode == HttpStatusCode.PartialContent && existing > 0;
            if (!resumed)
                existing = 0; // the server ignored the range: start over
            var total = response.Content.Headers.ContentRange?.Length
                        ?? (response.Content.Headers.ContentLength is { } length ? existing + length : linkedSize ?? request.ExpectedSizeBytes);

            EnsureDiskSpace(modelsDirectory, (total ?? 0) - existing);

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = new FileStream(partPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write,
                FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            var downloaded = existing;
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                downloaded += read;
                if (clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(250))
                {
                    lastReport = clock.Elapsed;
                    progress?.Report(new ModelDownloadProgress(downloaded, total, (downloaded - existing) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
                }
            }

            progress?.Report(new ModelDownloadProgress(downloaded, total, (downloaded - existing) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
            if (total is { } expectedTotal && response.Content.Headers.ContentLength is not null && downloaded != expectedTotal)
                throw new ModelDownloadException($"Download ended early ({downloaded} of {expectedTotal} bytes); try again to resume.");
            return linkedHash;
        }
    }

    // Follows redirects by hand so the X-Linked-* headers of the first hop (Hugging Face) are not lost.
    private async Task<(HttpResponseMessage Response, string? LinkedHash, long? LinkedSize)> SendAsync(
        Uri url, long rangeStart, CancellationToken cancellationToken)
    {
        string? linkedHash = null;
        long? linkedSize = null;
        for (var hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, url);
            if (rangeStart > 0)
                message.Headers.Range = new RangeHeaderValue(rangeStart, null);
            var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.Headers.TryGetValues("X-Linked-Etag", out var etags)
                && Sha256Hex().Match(etags.First()) is { Success: true } match)
                linkedHash = match.Value.ToLowerInvariant();
            if (response.Headers.TryGetValues("X-Linked-Size", out var sizes) && long.TryParse(sizes.First(), out var size))
                linkedSize = size;

            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                response.Dispose();
                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                continue;
            }

            return (response, linkedHash, linkedSize);
        }
    }

    private static void EnsureDiskSpace(string directory, long needed)
    {
        if (needed <= 0)
            return;
        var root = Path.GetPathRoot(Path.GetFullPath(directory));
        if (string.IsNullOrEmpty(root))
            return;
        var available = new DriveInfo(root).AvailableFreeSpace;
        if (available < needed + DiskSpaceMargin)
            throw new ModelDownloadException($"Not enough disk space: the download needs {needed:N0} bytes, {available:N0} are free.");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ValidId();

    [GeneratedRegex("[0-9a-fA-F]{64}")]
    private static partial Regex Sha256Hex();
}
