using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;

namespace PromptLeo.Tests.Browser;

/// <summary>The Privacy Center as a person uses it: export with progress and download, restriction, erasure with certificate.</summary>
public sealed class PrivacyBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{

    [Fact]
    public async Task Export_WatchProgress_Download_Restrict()
    {
        var user = await PrivacySeed.CreateAsync(portal, registerWith: portal.CreateBrowserLikeClient());
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.Locator("#welcome")).ToBeVisibleAsync();

        await page.GotoAsync("/privacy");
        await Assertions.Expect(page.Locator("#privacy-title")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#storage-table")).ToContainTextAsync("AES-256-GCM");
        await BrowserPortal.ScreenshotAsync(page, "privacy-center");

        await page.ClickAsync("#panel-export .mud-expand-panel-header");
        await page.FillAsync("#export-password", "wrong-password");
        await page.ClickAsync("#export-start");
        // The refusal arrives after a password hash check and a round trip over the circuit: seconds on a loaded CI machine.
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Wrong password", new() { Timeout = 20_000 });

        await page.FillAsync("#export-password", user.Password);
        await page.ClickAsync("#export-start");
        var link = page.Locator("#export-download");
        await Assertions.Expect(link).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await BrowserPortal.ScreenshotAsync(page, "privacy-export-ready");
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = await download.PathAsync();
        Assert.True(new FileInfo(path!).Length > 1000);
        Assert.EndsWith(".zip", download.SuggestedFilename);

        await page.ClickAsync("#panel-restrict .mud-expand-panel-header");
        await page.GetByText("Restrict processing: keep my data").ClickAsync();
        await Assertions.Expect(page.Locator("#restriction-banner")).ToBeVisibleAsync();
        Assert.Empty(portal.ConsoleErrors);
    }

    [Fact]
    public async Task Erase_WithPassword_SignsOutAndOffersCertificate()
    {
        var user = await PrivacySeed.CreateAsync(portal, language: "de", registerWith: portal.CreateBrowserLikeClient());
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.Locator("#welcome")).ToBeVisibleAsync();

        await page.GotoAsync("/privacy/erase");
        await page.FillAsync("[name='Input.Password']", user.Password);
        await page.CheckAsync("[name='Input.Confirm']");
        await BrowserPortal.ScreenshotAsync(page, "privacy-erase");
        await page.ClickAsync("#erase-submit");
        await Assertions.Expect(page.Locator("#erased-title")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "privacy-erased");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#certificate-download"));
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Contains("Löschprotokoll", PdfArtifacts.Text(pdf));

        await page.GotoAsync("/privacy");
        await page.WaitForURLAsync("**/Account/Login**");
    }
}
