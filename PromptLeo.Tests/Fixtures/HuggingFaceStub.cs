using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A loopback Kestrel server laid out like Hugging Face: <c>GET|HEAD /&lt;owner&gt;/&lt;name&gt;/resolve/&lt;rev&gt;/&lt;path&gt;</c>
/// serves files of a local folder per repository, with <c>Range</c> resume, <c>X-Linked-Etag</c> (the SHA-256) and
/// <c>X-Linked-Size</c>, as Hugging Face does for LFS files. Switches slow it down or lie about one file's hash.
/// </summary>
public sealed class HuggingFaceStub : IAsyncDisposable
{
    private WebApplication app = null!;

    private HuggingFaceStub()
    {
    }
    private readonly ConcurrentDictionary<string, string> repositories = new();


    public string BaseUrl { get; private set; } = "";

    /// <summary>Method, path, Range header and whether an Authorization header came, of every request, in order.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Range, bool Authorized)> Requests { get; } = new();

    /// <summary>When set, answer every request with a redirect to the same path there (as Hugging Face redirects to its CDN).</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Delay after each 4 KiB chunk of a GET body.</summary>
    public int ChunkDelayMs { get; set; }

    /// <summary>When set, every request must carry <c>Authorization: Bearer</c> with this token (a gated repository), else 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>A file path whose <c>X-Linked-Etag</c> is wrong (a corrupted mirror).</summary>
    public string? WrongHashFor { get; set; }

    public static async Task<HuggingFaceStub> StartAsync()
    {
        var stub = new HuggingFaceStub();
        (stub.app, stub.BaseUrl) = await LoopbackServer.StartAsync(app => app.MapMethods("/{owner}/{name}/resolve/{revision}/{**path}", ["GET", "HEAD"], stub.ServeAsync));
        return stub;
    }

    /// <summary>Serves <paramref name="folder"/> as repository <paramref name="repository"/>.</summary>
    public void AddRepository(string repository, string folder) => repositories[repository] = folder;

    /// <summary>A tiny diffusion model as a Hugging Face repository holds it (no manifest.json); returns its folder.</summary>
    public static string WriteTinyDiffusionRepository()
    {
        var folder = Path.Combine(Path.GetTempPath(), "promptleo-tests", "hf-" + Guid.NewGuid().ToString("N"));
        TinyDiffusionModelWriter.Write(folder);
        File.Delete(Path.Combine(folder, "manifest.json"));
        return folder;
    }

    public int GetCount(string path) => Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/" + path, StringComparison.Ordinal));

    private async Task ServeAsync(HttpContext context, string owner, string name, string revision, string path)
    {
        var range = context.Request.Headers.Range.ToString();
        Requests.Enqueue((context.Request.Method, context.Request.Path.Value!, range.Length == 0 ? null : range, context.Request.Headers.Authorization.Count > 0));
        if (RequiredToken is not null && context.Request.Headers.Authorization != $"Bearer {RequiredToken}")
        {
            context.Response.StatusCode = 401;
            return;
        }
        if (RedirectTo is not null)
        {
            context.Response.Redirect(RedirectTo + context.Request.Path.Value);
            return;
        }
        if (!repositories.TryGetValue($"{owner}/{name}", out var folder) || !File.Exists(Path.Combine(folder, path)))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, path));
        var hash = path == WrongHashFor ? new string('b', 64) : Convert.ToHexStringLower(SHA256.HashData(bytes));
        context.Response.Headers["X-Linked-Etag"] = $"\"{hash}\"";
        context.Response.Headers["X-Linked-Size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = range.StartsWith("bytes=", StringComparison.Ordinal) ? long.Parse(range[6..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (start >= bytes.Length && start > 0)
        {
            context.Response.StatusCode = 416;
            return;
        }
        if (start > 0)
        {
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }
        context.Response.ContentLength = bytes.Length - start;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        for (var position = (int)start; position < bytes.Length; position += 4096)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(position, Math.Min(4096, bytes.Length - position)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (ChunkDelayMs > 0)
            {
                await Task.Delay(ChunkDelayMs, context.RequestAborted);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        foreach (var folder in repositories.Values.Where(f => f.Contains("promptleo-tests")))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }
}
