using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The portal on a real loopback port (Kestrel) plus Debian's Chromium driven by Playwright.
/// Never downloads a browser: it uses /usr/bin/chromium, which .ci/run installs.
/// </summary>
public class BrowserPortal : PortalFactory, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Browser console errors (CSP violations, failed scripts) of every page this fixture opened.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ConsoleErrors { get; } = new();

    // Open tabs re-check their session every two seconds, so sign-out tests need not wait the production minute.
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Sessions:ValidationInterval"] = "00:00:02",
    };

    public async Task InitializeAsync()
    {
        var port = LoopbackPort.Free();
        UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        BaseUrl = $"http://127.0.0.1:{port}";
        StartServer();

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run .ci/run (it installs Debian's chromium) or `apt-get install -y chromium`.");
        }
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>With Kestrel there is no in-memory test server: talk to the real loopback port.</summary>
    public override HttpClient CreateBrowserLikeClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new() }) { BaseAddress = new Uri(BaseUrl) };

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Enqueue(message.Text);
            }
        };
        return page;
    }

    /// <summary>Signs in through the login form and waits until the portal has left the login page.</summary>
    public static async Task LoginAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("[name='Input.Email']", email);
        await page.FillAsync("[name='Input.Password']", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login"));
    }

    /// <summary>Waits for the page's circuit: the layout says so once it renders interactively (a tap before that is lost).</summary>
    public static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-interactive='true']").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(SourceTree.ArtifactsDirectory, "screenshots", $"{name}.png"),
            FullPage = true,
        });

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        playwright?.Dispose();
        await base.DisposeAsync();
    }
}
