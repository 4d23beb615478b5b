using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Models;

public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(1 << 20);
    private readonly HttpListener _listener = new();
    private TinyModels _models = null!;
    private ServiceProvider _services = null!;
    private string _baseUrl = "";
    private readonly List<string?> _ranges = [];

    // Test switches for the next request.
    private int _abortAfterBytes;
    private int _chunkDelayMs;
    private string? _linkedEtag;

    public Task InitializeAsync()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _baseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(_baseUrl);
        _listener.Start();
        _ = Task.Run(ServeAsync);
        _models = TinyModels.CreateEmpty();
        _services = _models.BuildServices();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener.Stop();
        await _services.DisposeAsync();
        await _models.DisposeAsync();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }

            var response = context.Response;
            var range = context.Request.Headers["Range"];
            lock (_ranges)
                _ranges.Add(range);
            var start = range is null ? 0 : int.Parse(range.Replace("bytes=", "").TrimEnd('-'));
            if (_linkedEtag is not null)
                response.Headers["X-Linked-Etag"] = $"\"{_linkedEtag}\"";
            response.StatusCode = start > 0 ? 206 : 200;
            if (start > 0)
                response.Headers["Content-Range"] = $"bytes {start}-{_payload.Length - 1}/{_payload.Length}";
            response.ContentLength64 = _payload.Length - start;
            try
            {
                var position = start;
                while (position < _payload.Length)
                {
                    var count = Math.Min(32 * 1024, _payload.Length - position);
                    if (_abortAfterBytes > 0 && position + count > _abortAfterBytes)
                    {
                        _abortAfterBytes = 0;
                        response.Abort(); // connection drops mid-download
                        break;
                    }

                    await response.OutputStream.WriteAsync(_payload.AsMemory(position, count));
                    await response.OutputStream.FlushAsync();
                    position += count;
                    if (_chunkDelayMs > 0)
                        await Task.Delay(_chunkDelayMs);
                }

                response.Close();
            }
            catch (Exception)
            {
                // Client went away (cancel test).
            }
        }
    }

    private ModelInstallRequest Request(string? sha256 = null) => new()
    {
        Id = "downloaded",
        Url = new Uri(_baseUrl + "model.bin"),
        FileName = "model.bin",
        Kind = ModelKind.Diffusion, // any non-GGUF kind: the payload is random bytes
        Sha256 = sha256,
    };

    private string Sha256 => Convert.ToHexStringLower(SHA256.HashData(_payload));

    [Fact]
    public async Task InstallAsync_ConnectionDropped_ResumesWithRangeAndVerifiesHash()
    {
        var downloader = _services.GetRequiredService<ModelDownloader>();
        _abortAfterBytes = _payload.Length / 2;

        await Assert.ThrowsAnyAsync<Exception>(() => downloader.InstallAsync(Request(Sha256)));
        Assert.False(Directory.Exists(Path.Combine(_models.ModelsDirectory, "downloaded")));
        var reports = new List<ModelDownloadProgress>();
        var manifest = await downloader.InstallAsync(Request(Sha256), new SyncProgress(reports.Add));

        Assert.Contains(_ranges, r => r is not null && r.StartsWith("bytes=") && r != "bytes=0-");
        Assert.Equal(_payload, await File.ReadAllBytesAsync(Path.Combine(_models.ModelsDirectory, "downloaded", "model.bin")));
        Assert.Equal(Sha256, manifest.Files[0].Sha256);
        Assert.Equal(_payload.Length, reports[^1].BytesDownloaded);
        Assert.NotNull(_services.GetRequiredService<IModelRegistry>().Get("downloaded"));
    }

    [Fact]
    public async Task InstallAsync_ServerHashDiffers_LeavesNothingBehind()
    {
        var downloader = _services.GetRequiredService<ModelDownloader>();
        _linkedEtag = new string('a', 64);

        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => downloader.InstallAsync(Request()));

        Assert.Contains("SHA-256 mismatch", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(_models.ModelsDirectory, "downloaded")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_models.ModelsDirectory, ".downloads")));
        Assert.Null(_services.GetRequiredService<IModelRegistry>().Get("downloaded"));
    }

    [Fact]
    public async Task InstallAsync_Cancelled_InstallsNothing()
    {
        var downloader = _services.GetRequiredService<ModelDownloader>();
        _chunkDelayMs = 20;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => downloader.InstallAsync(Request(Sha256), cancellationToken: cts.Token));

        Assert.False(Directory.Exists(Path.Combine(_models.ModelsDirectory, "downloaded")));
        Assert.Null(_services.GetRequiredService<IModelRegistry>().Get("downloaded"));
    }

    private sealed class SyncProgress(Action<ModelDownloadProgress> report) : IProgress<ModelDownloadProgress>
    {
        public void Report(ModelDownloadProgress value) => report(value);
    }
}
