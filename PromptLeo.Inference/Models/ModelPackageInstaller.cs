using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;

namespace PromptLeo.Inference.Models;

/// <summary>One file to fetch: its URL and where it lands in the model folder.</summary>
public sealed record ModelPackageDownload(Uri Url, string TargetPath, string? Sha256 = null, long? SizeBytes = null);

/// <summary>What to install: a set of files into <c>&lt;ModelsDirectory&gt;/&lt;Id&gt;</c>, with its manifest data.</summary>
public sealed record ModelPackageRequest
{
    public required string Id { get; init; }
    public required IReadOnlyList<ModelPackageDownload> Files { get; init; }
    public string? DisplayName { get; init; }
    /// <summary>Null: read from the files (<c>model_index.json</c> → diffusion, a <c>.gguf</c> → chat).</summary>
    public ModelKind? Kind { get; init; }
    public string License { get; init; } = "unknown";
    /// <summary>The license restricts use; the install is refused unless <see cref="LicenseAccepted"/>.</summary>
    public bool RequiresLicenseAcceptance { get; init; }
    public bool LicenseAccepted { get; init; }
    public int ContextLength { get; init; }
    /// <summary>Total size when the files' sizes are unknown (catalog figure), for the disk check.</summary>
    public long? ExpectedTotalBytes { get; init; }
    /// <summary>Ask the server for each file's size before starting, so the disk check covers the whole package.</summary>
    public bool ProbeSizes { get; init; } = true;
    public IReadOnlyDictionary<string, double> DefaultParameters { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>Progress of a package install: the current file and the whole package.</summary>
public sealed record ModelInstallProgress(
    string ModelId,
    int FileIndex,
    int FileCount,
    string File,
    long FileBytes,
    long? FileTotalBytes,
    long OverallBytes,
    long? OverallTotalBytes,
    double BytesPerSecond);

/// <summary>The model's license needs an admin's explicit acceptance before it is downloaded.</summary>
public sealed class ModelLicenseNotAcceptedException(string modelId, string license)
    : Exception($"Model '{modelId}' is under the {license}, which restricts its use; accept the license to install it.")
{
    public string ModelId { get; } = modelId;
}

/// <summary>
/// Installs a model package (one GGUF file, or a diffusers ONNX folder) from Hugging Face or a mirror of it. Each file
/// is downloaded with HTTP Range resume into <c>&lt;ModelsDirectory&gt;/.downloads/&lt;id&gt;/</c> (as <c>.part</c>
/// until its SHA-256 matches the pinned hash or Hugging Face's <c>X-Linked-Etag</c>), the free disk space is checked for
/// the whole package before the first byte, and the finished folder is moved into place in one step with a
/// <c>manifest.json</c> built from the downloaded configs. The registry never sees a partial model: the staging folder
/// starts with a dot. A failed or cancelled install leaves only the staging folder, for resume or
/// <see cref="DiscardStaging"/>.
/// </summary>
public sealed partial class ModelPackageInstaller(
    HttpClient http,
    IModelRegistry registry,
    IOptions<InferenceOptions> options,
    ILogger<ModelPackageInstaller> logger)
{
    private const int MaxRedirects = 10;
    private readonly ConcurrentDictionary<string, bool> running = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The download URL of <paramref name="path"/> in <paramref name="repository"/> at the configured base URL.</summary>
    public Uri HuggingFaceUrl(string repository, string path, string revision = "main") =>
        new($"{options.Value.HuggingFaceBaseUrl.TrimEnd('/')}/{repository}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>The request for a catalog entry.</summary>
    public ModelPackageRequest FromCatalog(ModelCatalogEntry entry, bool licenseAccepted = false) => new()
    {
        Id = entry.Id,
        DisplayName = entry.DisplayName,
        Kind = entry.Kind,
        Files = entry.Files.Select(f => new ModelPackageDownload(
            HuggingFaceUrl(f.Repository ?? entry.Repository, f.Path, f.Repository is null ? entry.Revision : "main"), f.TargetPath, f.Sha256, f.SizeBytes)).ToList(),
        License = entry.License,
        RequiresLicenseAcceptance = entry.RequiresLicenseAcceptance,
        LicenseAccepted = licenseAccepted,
        ContextLength = entry.ContextLength,
        ExpectedTotalBytes = entry.ApproximateSizeBytes,
        DefaultParameters = entry.DefaultParameters,
        Settings = entry.Settings,
    };

    /// <summary>
    /// The request for files of any repository; the kind is read from the files unless given. A single file of a
    /// background-removal model is installed as <c>model.onnx</c>.
    /// </summary>
    public ModelPackageRequest FromRepository(string id, string repository, IReadOnlyList<string> files, string revision = "main", ModelKind? kind = null)
    {
        if (!RepositoryName().IsMatch(repository))
            throw new ArgumentException("A repository is written owner/name.", nameof(repository));
        return new ModelPackageRequest
        {
            Id = id,
            DisplayName = repository,
            Kind = kind,
            Files = files.Select(f => new ModelPackageDownload(HuggingFaceUrl(repository, f.Trim('/'), revision), Target(f.Trim('/')))).ToList(),
        };

        // The background-removal loader reads model.onnx at the top of the folder, wherever the repository keeps it.
        string Target(string path) => kind == ModelKind.BackgroundRemoval && files.Count == 1 ? "model.onnx" : path;
    }

    /// <summary>True while an install of <paramref name="id"/> runs in this process.</summary>
    public bool IsInstalling(string id) => running.ContainsKey(id);

    /// <summary>Deletes what a failed or cancelled install of <paramref name="id"/> left in the staging folder.</summary>
    public void DiscardStaging(string id)
    {
        ValidateId(id);
        var staging = StagingDirectory(id);
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
    }

    /// <summary>Downloads, verifies and installs the package, writes its manifest and rescans the registry.</summary>
    /// <exception cref="ModelDownloadException">A download, hash, disk-space or layout problem; nothing was installed.</exception>
    /// <exception cref="ModelLicenseNotAcceptedException">The license needs acceptance and was not accepted.</exception>
    public async Task<ModelManifest> InstallAsync(ModelPackageRequest request, IProgress<ModelInstallProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Validate(request);
        if (request.RequiresLicenseAcceptance && !request.LicenseAccepted)
            throw new ModelLicenseNotAcceptedException(request.Id, request.License);
        if (!running.TryAdd(request.Id, true))
            throw new ModelDownloadException($"Model '{request.Id}' is already being installed.");
        try
        {
            return await InstallLockedAsync(request, progress, cancellationToken);
        }
        finally
        {
            running.TryRemove(request.Id, out _);
        }
    }

    private async Task<ModelManifest> InstallLockedAsync(ModelPackageRequest request, IProgress<ModelInstallProgress>? progress, CancellationToken cancellationToken)
    {
        var modelsDirectory = ModelRegistry.ResolveModelsDirectory(options.Value);
        var target = Path.Combine(modelsDirectory, request.Id);
        if (Directory.Exists(target))
            throw new ModelDownloadException($"Model '{request.Id}' is already installed; remove it first.");
        var staging = StagingDirectory(request.Id);

        var sizes = new long?[request.Files.Count];
        var serverHashes = new string?[request.Files.Count];
        for (var i = 0; i < request.Files.Count; i++)
        {
            sizes[i] = request.Files[i].SizeBytes;
            if (request.ProbeSizes)
                (sizes[i], serverHashes[i]) = await ProbeAsync(request.Files[i], cancellationToken);
        }
        var overallTotal = sizes.All(s => s is not null) ? sizes.Sum(s => s!.Value) : request.ExpectedTotalBytes;
        EnsureDiskSpace(modelsDirectory, (overallTotal ?? 0) - StagedBytes(staging));

        Directory.CreateDirectory(staging);
        logger.LogInformation("Installing model {ModelId}: {FileCount} files from {Host}", request.Id, request.Files.Count, request.Files[0].Url.Host);
        var files = new List<ModelFile>();
        long finishedBytes = 0;
        for (var i = 0; i < request.Files.Count; i++)
        {
            var file = request.Files[i];
            var index = i;
            var fileProgress = new Progress(p => progress?.Report(new ModelInstallProgress(request.Id, index, request.Files.Count, file.TargetPath,
                p.Bytes, p.Total ?? sizes[index], finishedBytes + p.Bytes, overallTotal, p.BytesPerSecond)));
            var (sha256, size) = await FetchFileAsync(request, file, serverHashes[i], staging, modelsDirectory, fileProgress, cancellationToken);
            finishedBytes += size;
            files.Add(new ModelFile(file.TargetPath, sha256, size, file.Url.ToString()));
        }

        var manifest = BuildManifest(request, staging, files);
        await ModelManifestFile.WriteAsync(staging, manifest, CancellationToken.None);
        Directory.Move(staging, target);
        logger.LogInformation("Model {ModelId} installed ({FileCount} files, {SizeBytes} bytes)", request.Id, files.Count, finishedBytes);
        await registry.RescanAsync(CancellationToken.None);
        return manifest;
    }

    // Downloads one file into the staging folder (resuming its .part) and verifies it; a verified file from an earlier attempt is kept.
    private async Task<(string Sha256, long Size)> FetchFileAsync(ModelPackageRequest request, ModelPackageDownload file, string? probedHash,
        string staging, string modelsDirectory, IProgress<FileProgress> progress, CancellationToken cancellationToken)
    {
        var finalPath = Path.Combine(staging, file.TargetPath);
        var partPath = finalPath + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var expected = (file.Sha256 ?? probedHash)?.ToLowerInvariant();
        if (File.Exists(finalPath))
        {
            var staged = await HashAsync(finalPath, cancellationToken);
            if (expected is null || staged == expected)
            {
                var length = new FileInfo(finalPath).Length;
                progress.Report(new FileProgress(length, length, 0));
                return (staged, length);
            }
            File.Delete(finalPath);
        }

        var serverHash = await DownloadAsync(file.Url, partPath, modelsDirectory, file.SizeBytes, progress, cancellationToken);
        expected ??= serverHash;
        var actual = await HashAsync(partPath, cancellationToken);
        if (expected is null)
        {
            logger.LogWarning("Model {ModelId}: no SHA-256 given or reported for {File}; recorded {Sha256} unverified", request.Id, file.TargetPath, actual);
        }
        else if (expected != actual)
        {
            File.Delete(partPath);
            throw new ModelDownloadException($"SHA-256 mismatch for {file.TargetPath}: expected {expected}, got {actual}. The download was discarded and nothing was installed.");
        }

        if (file.TargetPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && request.Kind is null or ModelKind.Chat or ModelKind.Embedding)
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

        File.Move(partPath, finalPath);
        return (actual, new FileInfo(finalPath).Length);
    }

    private ModelManifest BuildManifest(ModelPackageRequest request, string staging, IReadOnlyList<ModelFile> files)
    {
        var settings = new Dictionary<string, string>(request.Settings);
        var defaults = new Dictionary<string, double>(request.DefaultParameters);
        var kind = request.Kind;
        if (File.Exists(Path.Combine(staging, DiffusionModelIndex.FileName)))
        {
            // The same reading of model_index.json that picks the loader, so the manifest's family is the one that loads.
            var index = ReadModelIndex(staging);
            var pipeline = index.ClassName ?? throw new ModelDownloadException("model_index.json has no _class_name; this is not a diffusers pipeline.");
            var family = FamilyName(index.Family);
            settings["pipeline"] = pipeline;
            settings["family"] = family;
            kind ??= ModelKind.Diffusion;
            foreach (var (key, value) in FamilyDefaults(family, pipeline))
                defaults.TryAdd(key, value);
        }
        kind ??= files.Any(f => f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            ? ModelKind.Chat
            : throw new ModelDownloadException("Cannot tell what kind of model this is: no model_index.json and no .gguf file; give the kind.");
        return new ModelManifest
        {
            Id = request.Id,
            DisplayName = request.DisplayName ?? request.Id,
            Kind = kind.Value,
            Files = files,
            License = request.License,
            ContextLength = request.ContextLength,
            DefaultParameters = defaults,
            Settings = settings,
        };
    }

    private static DiffusionModelIndex ReadModelIndex(string directory)
    {
        try
        {
            return DiffusionModelIndex.Read(directory);
        }
        catch (ModelLoadException ex)
        {
            throw new ModelDownloadException($"model_index.json is not usable: {ex.Message}", ex);
        }
    }

    /// <summary>The manifest's name of a family: <c>flux</c>, <c>sdxl</c> or <c>sd</c>.</summary>
    public static string FamilyName(ImageModelFamily family) => family switch
    {
        ImageModelFamily.Flux => "flux",
        ImageModelFamily.StableDiffusionXL => "sdxl",
        _ => "sd",
    };

    private static Dictionary<string, double> FamilyDefaults(string family, string pipeline) => family switch
    {
        "flux" => new() { ["steps"] = 4, ["guidance"] = 0, ["width"] = 1024, ["height"] = 1024 },
        "sdxl" => new() { ["steps"] = 30, ["guidance"] = 5, ["width"] = 1024, ["height"] = 1024 },
        _ when pipeline.Contains("Inpaint", StringComparison.Ordinal) => new() { ["steps"] = 25, ["guidance"] = 7.5, ["width"] = 512, ["height"] = 512 },
        _ => new() { ["steps"] = 25, ["guidance"] = 7.5, ["width"] = 512, ["height"] = 512 },
    };

    // Size and LFS hash of a file without downloading it (HEAD follows redirects by hand, like the download).
    private async Task<(long? Size, string? Sha256)> ProbeAsync(ModelPackageDownload file, CancellationToken cancellationToken)
    {
        var (response, linkedHash, linkedSize) = await SendAsync(HttpMethod.Head, file.Url, 0, cancellationToken);
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new ModelDownloadException($"{file.TargetPath}: the repository is gated or private (HTTP {(int)response.StatusCode}); accept its terms on Hugging Face and set Inference__HuggingFaceToken.");
            if (!response.IsSuccessStatusCode)
                throw new ModelDownloadException($"{file.TargetPath}: the server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase} ({file.Url}).");
            return (file.SizeBytes ?? linkedSize ?? response.Content.Headers.ContentLength, linkedHash);
        }
    }

    // Returns the SHA-256 the server reports for the file (Hugging Face: X-Linked-Etag of the LFS pointer), if any.
    private async Task<string?> DownloadAsync(Uri url, string partPath, string modelsDirectory, long? expectedSize,
        IProgress<FileProgress> progress, CancellationToken cancellationToken)
    {
        var existing = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        var (response, linkedHash, linkedSize) = await SendAsync(HttpMethod.Get, url, existing, cancellationToken);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
            {
                // The .part file already holds the whole file.
                progress.Report(new FileProgress(existing, existing, 0));
                return linkedHash;
            }

            if (!response.IsSuccessStatusCode)
                throw new ModelDownloadException($"Download failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase} ({url}).");

            var resumed = response.StatusCode == HttpStatusCode.PartialContent && existing > 0;
            if (!resumed)
                existing = 0; // the server ignored the range: start over
            var total = response.Content.Headers.ContentRange?.Length
                        ?? (response.Content.Headers.ContentLength is { } length ? existing + length : linkedSize ?? expectedSize);

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
                    progress.Report(new FileProgress(downloaded, total, (downloaded - existing) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
                }
            }

            progress.Report(new FileProgress(downloaded, total, (downloaded - existing) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
            if (total is { } expectedTotal && response.Content.Headers.ContentLength is not null && downloaded != expectedTotal)
                throw new ModelDownloadException($"Download ended early ({downloaded} of {expectedTotal} bytes); try again to resume.");
            return linkedHash;
        }
    }

    // Follows redirects by hand so the X-Linked-* headers of the first hop (Hugging Face) are not lost.
    private async Task<(HttpResponseMessage Response, string? LinkedHash, long? LinkedSize)> SendAsync(
        HttpMethod method, Uri url, long rangeStart, CancellationToken cancellationToken)
    {
        string? linkedHash = null;
        long? linkedSize = null;
        for (var hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(method, url);
            if (options.Value.HuggingFaceToken is { Length: > 0 } token
                && string.Equals(url.Authority, new Uri(options.Value.HuggingFaceBaseUrl).Authority, StringComparison.OrdinalIgnoreCase))
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
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

    private void EnsureDiskSpace(string directory, long needed)
    {
        var reserve = options.Value.InstallDiskReserveBytes;
        Directory.CreateDirectory(directory);
        var available = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        if (available < Math.Max(needed, 0) + reserve)
            throw new ModelDownloadException(
                $"Not enough disk space: the install needs {Math.Max(needed, 0):N0} bytes and must leave {reserve:N0} free (Inference:InstallDiskReserveBytes); {available:N0} are free.");
    }

    private static long StagedBytes(string staging) =>
        Directory.Exists(staging) ? Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private string StagingDirectory(string id) => Path.Combine(ModelRegistry.ResolveModelsDirectory(options.Value), ".downloads", id);

    private static void Validate(ModelPackageRequest request)
    {
        ValidateId(request.Id);
        if (request.Files.Count == 0)
            throw new ArgumentException("A model package needs at least one file.", nameof(request));
        foreach (var file in request.Files)
        {
            var parts = file.TargetPath.Split('/');
            if (file.TargetPath.Contains('\\') || parts.Any(p => p is "" or "." or "..") || file.TargetPath == ModelManifestFile.FileName
                || file.TargetPath.EndsWith(".part", StringComparison.Ordinal))
                throw new ArgumentException($"'{file.TargetPath}' is not a relative file path inside the model folder.", nameof(request));
            if (file.Sha256 is { } given && !Sha256Hex().IsMatch(given))
                throw new ArgumentException("Sha256 must be 64 hex digits.", nameof(request));
            if (file.Url.Scheme is not ("http" or "https"))
                throw new ArgumentException("Files are fetched over http(s).", nameof(request));
        }
        if (request.Files.Select(f => f.TargetPath).Distinct(StringComparer.Ordinal).Count() != request.Files.Count)
            throw new ArgumentException("Two files have the same path.", nameof(request));
    }

    private static void ValidateId(string id)
    {
        if (!ValidId().IsMatch(id))
            throw new ArgumentException("A model id uses letters, digits, '.', '_' and '-' and starts with a letter or digit.", nameof(id));
    }

    private sealed record FileProgress(long Bytes, long? Total, double BytesPerSecond);

    private sealed class Progress(Action<FileProgress> report) : IProgress<FileProgress>
    {
        public void Report(FileProgress value) => report(value);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ValidId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("[0-9a-fA-F]{64}")]
    internal static partial Regex Sha256Hex();
}
