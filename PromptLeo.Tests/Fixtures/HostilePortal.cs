using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptLeo.Tests.Fixtures;

/// <summary>The API portal with every log line captured and rate limits out of the way, for hostile-input tests.</summary>
public class LoggingApiPortalFactory : ApiPortalFactory
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:CreateDemoModels"] = "true",
        ["Api:RequestsPerMinutePerKey"] = "100000",
        ["Api:RequestsPerMinutePerUser"] = "100000",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    /// <summary>A client's mistake must never show up at error level.</summary>
    public void AssertNoErrorLogged()
    {
        var errors = Logs.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error) + " ") || l.StartsWith(nameof(LogLevel.Critical) + " ")).ToList();
        Assert.True(errors.Count == 0, "Logged at error level:\n" + string.Join("\n", errors));
    }
}

/// <summary>The same portal on a real loopback port (Kestrel), for requests only a raw socket can send.</summary>
public sealed class KestrelApiPortalFactory : LoggingApiPortalFactory, IAsyncLifetime
{
    public const int ServerBodyLimit = 4_000_000;

    public int Port { get; private set; }

    public Task InitializeAsync()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, Port);
            // Kestrel's default 5 s grace for a stalled body, shortened so a stall test stays short.
            options.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(2));
            // Kestrel's server-wide limit (default 30 MB), lowered so the oversize test sends little; /v1 sets its own per request.
            options.Limits.MaxRequestBodySize = ServerBodyLimit;
        });
        StartServer();
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>
    /// Sends <paramref name="head"/> and then <paramref name="body"/> in pieces over a raw socket, optionally closes the
    /// sending side, and returns what the server answered within <paramref name="timeout"/> ("" when it closed silently).
    /// </summary>
    public async Task<string> SendRawAsync(string head, IEnumerable<byte[]> body, bool closeSending, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cts.Token);
            foreach (var piece in body)
            {
                await stream.WriteAsync(piece, cts.Token);
            }
            if (closeSending)
            {
                tcp.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before the whole body is sent (413): read what it said.
        }
        var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
                if (IsComplete(answer.ToArray()))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // A reset after the answer: keep what arrived.
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    // A response is complete when its Content-Length bytes or its final chunk arrived.
    private static bool IsComplete(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }
        var head = text[..end];
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            return data.Length - Encoding.UTF8.GetByteCount(text[..(end + 4)]) >= int.Parse(length["Content-Length:".Length..].Trim());
        }
        return !head.Contains("chunked", StringComparison.OrdinalIgnoreCase) || text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}
