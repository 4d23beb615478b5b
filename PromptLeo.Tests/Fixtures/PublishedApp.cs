using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The production path of docs/operations.md: <c>dotnet publish -c Release</c> once, the published app started the way
/// <c>deploy/systemd/promptleo.service</c> starts it (its environment, working directory, credential and secrets file,
/// paths moved into a temp folder), and <c>deploy/nginx/promptleo.conf</c> in front of it with TLS on loopback ports.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public const string HostName = "portal.example.de";
    public const string AdminEmail = "admin@example.de";
    public const string AdminPassword = "Published-Passw0rd-1";
    private const string CertificatePassword = "Pfx-Passw0rd-1";

    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "published-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder output = new();
    private readonly StringBuilder proxyOutput = new();
    private Process? server;
    private Process? proxy;
    private X509Certificate2? tlsCertificate;

    public string PublishDirectory => Path.Combine(root, "app");

    /// <summary>Stands in for /var/lib/promptleo.</summary>
    public string DataDirectory => Path.Combine(root, "data");

    /// <summary>Stands in for /etc/promptleo: key ring certificate, secrets file, admin password; outside the data folder.</summary>
    public string ConfigDirectory => Path.Combine(root, "etc");

    private string CredentialsDirectory => Path.Combine(root, "credentials");
    private string ProxyDirectory => Path.Combine(root, "nginx");

    /// <summary>The app itself, on loopback (what nginx connects to).</summary>
    public Uri AppAddress { get; private set; } = null!;

    /// <summary>The portal through nginx over HTTPS, as browsers reach it.</summary>
    public Uri PublicAddress { get; private set; } = null!;

    /// <summary>nginx's plain-HTTP port.</summary>
    public Uri PlainHttpAddress { get; private set; } = null!;

    /// <summary>Everything the app wrote to stdout and stderr so far.</summary>
    public string Output => Read(output);

    public async Task InitializeAsync()
    {
        var publish = await RunToEndAsync(StartInfo(SourceTree.Root, "dotnet", "publish", "PromptLeo.Web", "-c", "Release", "-o", PublishDirectory, "-v", "q", "-nologo"), TimeSpan.FromMinutes(4));
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}");
        PrepareConfigDirectory();

        AppAddress = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        server = Start(SystemdUnit.StartInfo(Path.Combine(SourceTree.Root, "deploy", "systemd", "promptleo.service"), MapPath, AppAddress.Port), output);
        await WaitUntilAsync(() => server, AppAddress, "/health", output, TimeSpan.FromSeconds(90));

        var httpsPort = LoopbackPort.Free();
        var httpPort = LoopbackPort.Free();
        PublicAddress = new Uri($"https://{HostName}:{httpsPort}");
        PlainHttpAddress = new Uri($"http://{HostName}:{httpPort}");
        proxy = Start(NginxStartInfo(httpsPort, httpPort), proxyOutput);
        await WaitUntilAsync(() => proxy, new Uri($"http://127.0.0.1:{httpPort}"), "/", proxyOutput, TimeSpan.FromSeconds(30));
    }

    /// <summary>A client that reaches <see cref="HostName"/> through nginx and trusts only the test's TLS certificate.</summary>
    public HttpClient CreatePublicClient(bool followRedirects = false) =>
        new(CreateHandler(followRedirects)) { BaseAddress = PublicAddress };

    /// <summary>Opens a WebSocket through nginx, e.g. to Blazor's <c>/_blazor</c> hub.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(string pathAndQuery)
    {
        var socket = new ClientWebSocket();
        var uri = new Uri($"wss://{HostName}:{PublicAddress.Port}{pathAndQuery}");
        using var invoker = new HttpMessageInvoker(CreateHandler(followRedirects: false));
        await socket.ConnectAsync(uri, invoker, CancellationToken.None);
        return socket;
    }

    /// <summary>Starts the published app with extra arguments and waits for it to exit (for start-up refusals).</summary>
    public Task<(int ExitCode, string Output)> RunPublishedToEndAsync(params string[] arguments)
    {
        var start = StartInfo(PublishDirectory, "dotnet", [Path.Combine(PublishDirectory, "PromptLeo.Web.dll"), .. arguments]);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataDirectory"] = Path.Combine(root, "refused-data");
        return RunToEndAsync(start, TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        foreach (var process in new[] { proxy, server })
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            process?.Dispose();
        }
        tlsCertificate?.Dispose();
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

    /// <summary>The unit's absolute paths, moved into the temp folder; everything else unchanged.</summary>
    private string MapPath(string value) => value
        .Replace("/opt/promptleo/current", PublishDirectory, StringComparison.Ordinal)
        .Replace("/var/lib/promptleo", DataDirectory, StringComparison.Ordinal)
        .Replace("/etc/promptleo", ConfigDirectory, StringComparison.Ordinal)
        .Replace("%d", CredentialsDirectory, StringComparison.Ordinal);

    /// <summary>What docs/operations.md tells the operator to put into /etc/promptleo.</summary>
    private void PrepareConfigDirectory()
    {
        Directory.CreateDirectory(ConfigDirectory);
        Directory.CreateDirectory(CredentialsDirectory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=PromptLeo key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var keyRing = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        File.WriteAllBytes(Path.Combine(ConfigDirectory, "keyring.pfx"), keyRing.Export(X509ContentType.Pfx, CertificatePassword));
        File.WriteAllText(Path.Combine(ConfigDirectory, "secrets.env"), $"Storage__KeyRingCertificatePassword={CertificatePassword}\n");
        File.WriteAllText(Path.Combine(ConfigDirectory, "admin-password"), AdminPassword + "\n");
    }

    private ProcessStartInfo NginxStartInfo(int httpsPort, int httpPort)
    {
        Directory.CreateDirectory(ProxyDirectory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={HostName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        request.CertificateExtensions.Add(names.Build());
        tlsCertificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(ProxyDirectory, "fullchain.pem"), tlsCertificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(ProxyDirectory, "privkey.pem"), rsa.ExportPkcs8PrivateKeyPem());

        // The documented site, moved to loopback test ports, the test certificate and the app's port.
        var site = File.ReadAllText(Path.Combine(SourceTree.Root, "deploy", "nginx", "promptleo.conf"))
            .Replace("listen [::]:80;", "", StringComparison.Ordinal)
            .Replace("listen [::]:443 ssl http2;", "", StringComparison.Ordinal)
            .Replace("listen 80;", $"listen 127.0.0.1:{httpPort};", StringComparison.Ordinal)
            .Replace("listen 443 ssl http2;", $"listen 127.0.0.1:{httpsPort} ssl http2;", StringComparison.Ordinal)
            .Replace($"/etc/letsencrypt/live/{HostName}", ProxyDirectory, StringComparison.Ordinal)
            .Replace("127.0.0.1:5080", $"127.0.0.1:{AppAddress.Port}", StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{httpsPort} ssl", site);
        Assert.Contains($"proxy_pass http://127.0.0.1:{AppAddress.Port}", site);
        File.WriteAllText(Path.Combine(ProxyDirectory, "promptleo.conf"), site);
        var temp = Path.Combine(ProxyDirectory, "temp");
        File.WriteAllText(Path.Combine(ProxyDirectory, "nginx.conf"), $$"""
            daemon off;
            master_process off;
            pid {{ProxyDirectory}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{ProxyDirectory}}/promptleo.conf;
            }
            """);
        Directory.CreateDirectory(temp);
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        return StartInfo(ProxyDirectory, nginx, "-p", ProxyDirectory, "-e", "stderr", "-c", Path.Combine(ProxyDirectory, "nginx.conf"));
    }

    private SocketsHttpHandler CreateHandler(bool followRedirects) => new()
    {
        AllowAutoRedirect = followRedirects,
        CookieContainer = new CookieContainer(),
        // portal.example.de is nginx on loopback here.
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == tlsCertificate!.GetCertHashString(),
        },
    };

    private static async Task WaitUntilAsync(Func<Process?> process, Uri address, string path, StringBuilder log, TimeSpan timeout)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var running = process()!;
            Assert.False(running.HasExited, $"{running.StartInfo.FileName} exited with {(running.HasExited ? running.ExitCode : 0)}:\n{Read(log)}");
            try
            {
                var response = await http.GetAsync(path);
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        Assert.Fail($"{address} did not answer within {timeout.TotalSeconds} s:\n{Read(log)}");
    }

    internal static ProcessStartInfo StartInfo(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
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
            throw new TimeoutException($"`{start.FileName} {string.Join(' ', start.ArgumentList)}` did not finish within {timeout.TotalSeconds} s:\n{Read(sink)}");
        }
        return (process.ExitCode, Read(sink));
    }

    private static string Read(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }
}
