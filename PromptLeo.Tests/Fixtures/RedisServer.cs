using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A real Debian <c>redis-server</c> on a free loopback port, in memory only (no RDB, no AOF), stopped on dispose.
/// A missing binary fails the test with the install command: the multi-node tests are never skipped.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Binary = "/usr/bin/redis-server";

    private readonly StringBuilder output = new();
    private Process process = null!;

    public RedisServer()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"{Binary} is missing: the multi-node tests need a real Redis. Install Debian's package: apt-get install -y redis-server (.ci/run does).");
        }
        Port = LoopbackPort.Free();
        Start();
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for <c>Redis:Configuration</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts the server (again) on <see cref="Port"/>, empty, and waits until it answers.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }
        process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WaitUntilReady();
    }

    /// <summary>Stops the server, as an outage would: connected clients lose their connection.</summary>
    public void Stop()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private void WaitUntilReady()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                break;
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                stream.Write("PING\r\n"u8);
                var buffer = new byte[16];
                var read = stream.Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            Thread.Sleep(50);
        }
        Dispose();
        lock (output)
        {
            throw new InvalidOperationException($"{Binary} did not answer PING on port {Port}: {output}");
        }
    }

    public void Dispose()
    {
        Stop();
        process.Dispose();
    }
}
