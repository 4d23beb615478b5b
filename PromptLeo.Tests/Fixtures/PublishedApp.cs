using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The production path of docs/operations.md: <c>dotnet publish -c Release</c> once, then the published
/// <c>PromptLeo.Web.dll</c> started from its folder in the Production environment on a free loopback port.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public const string AdminPassword = "Published-Passw0rd-1";
    private const string CertificatePassword = "Pfx-Passw0rd-1";

    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "published-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder output = new();
    private Process? server;

    public string PublishDirectory => Path.Combine(root, "app");
    public string DataDirectory => Path.Combine(root, "data");

    /// <summary>Stands in for /etc/promptleo: the key ring certificate, outside the data folder.</summary>
    public string ConfigDirectory => Path.Combine(root, "etc");
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Everything the server wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        var publish = await RunToEndAsync(StartInfo(SourceTree.Root, "publish", "PromptLeo.Web", "-c", "Release", "-o", PublishDirectory, "-v", "q", "-nologo"), TimeSpan.FromMinutes(4));
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}");

        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = StartInfo(PublishDirectory, Path.Combine(PublishDirectory, "PromptLeo.Web.dll"), "--urls", BaseAddress.ToString());
        // As the systemd unit in docs/operations.md sets them: environment, data folder, first admin from the environment.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataDirectory"] = DataDirectory;
        start.Environment["Inference__CreateDemoModels"] = "false";
        start.Environment["Admin__Email"] = PortalFactory.AdminEmail;
        start.Environment["Admin__Password"] = AdminPassword;
        start.Environment["Storage__KeyRingCertificatePath"] = WriteKeyRingCertificate();
        start.Environment["Storage__KeyRingCertificatePassword"] = CertificatePassword;
        server = Start(start, output);
        await WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Starts the published app with extra arguments and waits for it to exit (for start-up refusals).</summary>
    public Task<(int ExitCode, string Output)> RunPublishedToEndAsync(params string[] arguments)
    {
        var start = StartInfo(PublishDirectory, [Path.Combine(PublishDirectory, "PromptLeo.Web.dll"), .. arguments]);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataDirectory"] = Path.Combine(root, "refused-data");
        return RunToEndAsync(start, TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(10_000);
        }
        server?.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
        return Task.CompletedTask;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server!.HasExited, $"The published app exited with {(server.HasExited ? server.ExitCode : 0)}:\n{Output}");
            try
            {
                if ((await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Still starting.
            }
            await Task.Delay(250);
        }
        Assert.Fail($"The published app did not answer /health within {timeout.TotalSeconds} s:\n{Output}");
    }

    private string WriteKeyRingCertificate()
    {
        Directory.CreateDirectory(ConfigDirectory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=PromptLeo key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var path = Path.Combine(ConfigDirectory, "keyring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        return path;
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The test host's own MSBuild and environment settings must not leak into the publish or the app.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        return start;
    }

    private static Process Start(ProcessStartInfo start, StringBuilder sink)
    {
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (sink)
                {
                    sink.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        var sink = new StringBuilder();
        using var process = Start(start, sink);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`dotnet {string.Join(' ', start.ArgumentList)}` did not finish within {timeout.TotalSeconds} s:\n{sink}");
        }
        lock (sink)
        {
            return (process.ExitCode, sink.ToString());
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
