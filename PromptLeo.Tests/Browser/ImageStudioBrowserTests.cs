using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;

namespace PromptLeo.Tests.Browser;

/// <summary>What a person clicks in the image studio: generate with the demo model, watch progress, download, delete.</summary>
public sealed class ImageStudioBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Studio-Browser-Passw0rd";

    [Fact]
    public async Task Generate_WatchProgress_Download_Delete_AndStrangerGets404()
    {
        var email = $"lea.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);

        await page.GotoAsync("/images");
        // The module hooks the prompt only once the interactive circuit is up.
        await page.WaitForSelectorAsync("#image-prompt-box[data-submit-on-enter]", new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#image-model-label")).ToContainTextAsync("Demo (random weights)");
        await page.FillAsync("#image-steps", "30");
        await page.FillAsync("#image-batch", "2");
        await page.Locator("#image-batch").BlurAsync();
        // Record every progress value the page shows while the batch runs.
        await page.EvaluateAsync("""
            () => {
              window.__percents = [];
              new MutationObserver(() => {
                const bar = document.querySelector('#image-progress');
                if (bar) window.__percents.push(Number(bar.getAttribute('data-percent')));
              }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-percent'] });
            }
            """);

        var prompt = page.Locator("#image-prompt-box textarea");
        await prompt.FillAsync("a blue house by the sea");
        await prompt.PressAsync("Enter");

        await Assertions.Expect(page.Locator("[data-image-id]")).ToHaveCountAsync(2, new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("#image-progress-panel")).ToHaveCountAsync(0);
        Assert.Equal("a blue house by the sea", await prompt.InputValueAsync());
        var percents = await page.EvaluateAsync<double[]>("() => window.__percents");
        Assert.Contains(percents, p => p > 0 && p < 100);
        Assert.True(percents.Distinct().Count() >= 3, $"progress should advance step by step, saw {string.Join(",", percents.Distinct())}");
        await Assertions.Expect(page.Locator("[data-testid='latest-image']")).ToHaveCountAsync(2);
        await BrowserPortal.ScreenshotAsync(page, "image-studio");

        // Lightbox, download with parameters.
        await page.Locator(".studio-thumb-button").First.ClickAsync();
        await Assertions.Expect(page.Locator("#lightbox-image")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#lightbox-parameters")).ToContainTextAsync("a blue house by the sea");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#lightbox-download-parameters"));
        var saved = Path.Combine(Path.GetTempPath(), "promptleo-tests", $"{Guid.NewGuid():N}.png");
        await download.SaveAsAsync(saved);
        var png = await File.ReadAllBytesAsync(saved);
        File.Delete(saved);
        using (var bitmap = TestImages.Decode(png))
        {
            Assert.True(bitmap.Width > 0);
        }
        Assert.StartsWith("a blue house by the sea\nSteps: 30", PngTextChunk.Read(png, "parameters"));
        var imageId = await page.Locator("[data-image-id]").First.GetAttributeAsync("data-image-id");

        // Delete from the lightbox, confirming in the message box.
        await page.ClickAsync("#lightbox-delete");
        // Wait until the lightbox is gone, so "Delete" can only match the confirmation's button.
        await Assertions.Expect(page.Locator("#lightbox-image")).ToHaveCountAsync(0);
        await page.Locator(".mud-dialog button", new() { HasText = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-image-id]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator($"[data-image-id='{imageId}']")).ToHaveCountAsync(0);
        var remaining = await page.Locator("[data-image-id]").First.GetAttributeAsync("data-image-id");
        var own = await page.APIRequest.GetAsync($"/images/file/{remaining}");
        Assert.Equal(200, own.Status);

        // Phone width: the form stacks above the results and nothing overflows sideways.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#image-prompt-box[data-submit-on-enter]", new() { State = WaitForSelectorState.Attached });
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the studio overflows at 390 px");
        await BrowserPortal.ScreenshotAsync(page, "image-studio-mobile");

        // A second person opening the first person's image URL gets 404.
        var strangerEmail = $"tom.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), strangerEmail, Password);
        var stranger = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(stranger, strangerEmail, Password);
        // Through the page's own cookies, not a navigation, so the 404 does not land in the console log.
        var foreign = await stranger.APIRequest.GetAsync($"/images/file/{remaining}");
        Assert.Equal(404, foreign.Status);

        Assert.Empty(portal.ConsoleErrors);
    }

    [Fact]
    public async Task Uploads_NotAnImageIsRefused_ImageToImageInput_BackgroundRemovalLandsInGallery()
    {
        var email = $"mia.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/images");
        await page.WaitForSelectorAsync("#image-prompt-box[data-submit-on-enter]", new() { State = WaitForSelectorState.Attached });

        await page.WaitForFunctionAsync("() => document.querySelector('#image-init-upload')?._blazorInputFileNextFileId !== undefined");
        await page.SetInputFilesAsync("#image-init-upload", new FilePayload { Name = "notes.png", MimeType = "image/png", Buffer = "just some text"u8.ToArray() });
        await Assertions.Expect(page.Locator("#image-error")).ToContainTextAsync("not an image", new() { Timeout = 30_000 });

        await page.SetInputFilesAsync("#image-init-upload", new FilePayload { Name = "start.png", MimeType = "image/png", Buffer = TestImages.Gradient(96, 64) });
        await Assertions.Expect(page.Locator("#image-init-preview")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#image-error")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Remove background" }).ClickAsync();
        // The tab renders a new InputFile; files set before Blazor wires it up are never seen.
        await page.WaitForFunctionAsync("() => document.querySelector('#background-upload')?._blazorInputFileNextFileId !== undefined");
        await page.SetInputFilesAsync("#background-upload", new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = TestImages.Gradient(64, 48) });
        await Assertions.Expect(page.Locator("#image-notice")).ToContainTextAsync("Background removed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-image-id]")).ToHaveCountAsync(1);
        var id = await page.Locator("[data-image-id]").First.GetAttributeAsync("data-image-id");
        var png = await (await page.APIRequest.GetAsync($"/images/file/{id}")).BodyAsync();
        Assert.Contains(TestImages.Pixels(png).Where((_, i) => i % 4 == 3), a => a < 255);
        await BrowserPortal.ScreenshotAsync(page, "image-studio-background-removal");
        Assert.Empty(portal.ConsoleErrors);
    }

}
