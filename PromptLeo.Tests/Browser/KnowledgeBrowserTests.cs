using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// Knowledge collections as a person uses them (issue 16, "done when"): a collection, a PDF and a DOCX uploaded in the
/// browser and indexed with live status, the collection attached in the chat, an answer with its numbered sources,
/// and a source's passage opened by mouse and by keyboard; desktop in English and light, phone in German and dark.
/// </summary>
public sealed partial class KnowledgeBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IDisposable
{
    private const string Password = "Knowledge-Browser-Passw0rd";
    private const string PdfPhrase = "The quarterly heron audit covers seven lighthouses on the northern coast.";
    private const string DocxPhrase = "Die Kranichprüfung findet jeden zweiten Dienstag im Hafenamt statt.";

    private readonly string folder = Directory.CreateTempSubdirectory("promptleo-knowledge-").FullName;

    [Fact]
    public async Task Knowledge_UploadPdfAndDocx_AttachInChat_AnswerCitesSources_PassageOpens()
    {
        var email = $"knowledge.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        // The first sign-in after the portal starts can take long when other test classes start portals beside it.
        page.SetDefaultNavigationTimeout(60_000);
        await BrowserPortal.LoginAsync(page, email, Password);

        // A collection, created, then renamed.
        await Assertions.Expect(page.Locator("#nav-knowledge")).ToHaveAttributeAsync("href", "knowledge");
        await page.GotoAsync("/knowledge");
        await page.WaitForSelectorAsync(".pl-knowledge[data-interactive]");
        await Assertions.Expect(page.Locator("#knowledge-limits")).ToContainTextAsync("per document");
        await page.FillAsync("#knowledge-new-name", "Manual");
        await page.ClickAsync("#knowledge-create");
        await Assertions.Expect(page.Locator("#knowledge-collection-name")).ToHaveTextAsync("Manual");
        await page.ClickAsync("#knowledge-rename");
        await page.FillAsync("#knowledge-rename-name", "Harbour manual");
        await page.ClickAsync("#knowledge-rename-save");
        await Assertions.Expect(page.Locator("#knowledge-collection-name")).ToHaveTextAsync("Harbour manual");

        // Several files in one pick: the PDF and DOCX are indexed, the scan fails with its reason, the .exe is refused.
        var pdf = Write("heron-handbook.pdf", TestDocuments.TextPdf(
            new TestPdfPage(new TestSection(1, "Overview", "This handbook describes the harbour office and its duties.")),
            new TestPdfPage(new TestSection(1, "Audits", PdfPhrase))));
        var docx = Write("kranich.docx", TestDocuments.Docx([new TestSection(1, "Prüfungen", DocxPhrase)]));
        var scan = Write("scan.pdf", TestDocuments.ScannedPdf(1));
        var tool = Write("tool.exe", [0x4d, 0x5a, 0x90, 0x00]);
        var input = page.Locator("#knowledge-drop input[type=file]");
        await page.WaitForFunctionAsync("() => document.querySelector('#knowledge-drop input[type=file]')?._blazorInputFileNextFileId !== undefined");
        await Assertions.Expect(input).ToHaveAttributeAsync("accept", ".pdf,.docx,.md,.markdown,.txt,.html,.htm");
        await Assertions.Expect(input).ToHaveAttributeAsync("multiple", "");
        // The file input lies over the whole drop area, so a drop anywhere on it reaches the input.
        var area = (await page.Locator(".pl-knowledge-drop-area").BoundingBoxAsync())!;
        var box = (await input.BoundingBoxAsync())!;
        Assert.True(box.Width >= area.Width && box.Height >= area.Height, $"input {box.Width}x{box.Height} does not cover the area {area.Width}x{area.Height}");
        await input.SetInputFilesAsync([pdf, docx, scan, tool]);

        await Assertions.Expect(page.Locator("#knowledge-upload-errors")).ToContainTextAsync("tool.exe: This file type is not supported.");
        await Assertions.Expect(page.Locator("#knowledge-drop .mud-file-upload-files-default-template")).ToHaveCountAsync(0);
        var pdfCard = page.Locator(".pl-knowledge-document[data-file='heron-handbook.pdf']");
        var docxCard = page.Locator(".pl-knowledge-document[data-file='kranich.docx']");
        var scanCard = page.Locator(".pl-knowledge-document[data-file='scan.pdf']");
        await Assertions.Expect(pdfCard).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = 120_000 });
        await Assertions.Expect(docxCard).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = 120_000 });
        await Assertions.Expect(scanCard).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = 120_000 });
        await Assertions.Expect(pdfCard.Locator(".pl-knowledge-status")).ToHaveTextAsync("Ready");
        await Assertions.Expect(pdfCard.Locator(".pl-knowledge-pages")).ToHaveTextAsync("2 pages");
        await Assertions.Expect(pdfCard.Locator(".pl-knowledge-chunks")).ToContainTextAsync("passages");
        await Assertions.Expect(scanCard.Locator(".pl-knowledge-doc-error")).ToContainTextAsync("Text recognition (OCR) is not supported yet");
        await ExpectNoSidewaysScrollAsync(page);
        await BrowserPortal.ScreenshotAsync(page, "knowledge-desktop-en-light");

        // The scan is deleted after a confirmation.
        await scanCard.Locator(".pl-knowledge-delete").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator(".pl-knowledge-document")).ToHaveCountAsync(2);

        // The chat: attach the collection in the settings; a chip on the composer shows it.
        await page.GotoAsync("/chat");
        var composer = page.Locator("#chat-input[data-composer='ready']");
        await Assertions.Expect(composer).ToBeVisibleAsync();
        await page.ClickAsync("#chat-model-picker .mud-select");
        await page.Locator(".mud-popover-open").GetByText("Demo (random weights)").First.ClickAsync();
        await page.ClickAsync("#chat-settings-toggle");
        await page.FillAsync("#chat-max-tokens", "24");
        await page.Locator("#chat-max-tokens").BlurAsync();
        await page.Locator(".pl-chat-knowledge .mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Harbour manual").ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#chat-collections .pl-chat-collection")).ToHaveTextAsync("Harbour manual");
        await page.ClickAsync("#chat-settings-toggle");

        await composer.FillAsync("What does the quarterly heron audit cover, and when is the Kranichprüfung?");
        await composer.PressAsync("Enter");
        var answer = page.Locator(".pl-msg-assistant").Last;
        await Assertions.Expect(answer.Locator(".pl-msg-tokens")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await page.WaitForURLAsync(ConversationUrl());
        var sources = answer.Locator(".pl-msg-sources .pl-source");
        await Assertions.Expect(answer.Locator(".pl-msg-sources-title")).ToHaveTextAsync("Sources");
        var pdfSource = sources.Filter(new() { HasText = "heron-handbook.pdf, page 2" });
        var docxSource = sources.Filter(new() { HasText = "kranich.docx" });
        await Assertions.Expect(pdfSource.First).ToBeVisibleAsync();
        await Assertions.Expect(docxSource.First).ToBeVisibleAsync();
        await Assertions.Expect(pdfSource.First).ToContainTextAsync("Audits");
        await Assertions.Expect(sources.First).ToContainTextAsync("[1]");

        // A click opens the passage; Escape closes it.
        await pdfSource.First.ClickAsync();
        await Assertions.Expect(page.Locator("#passage-text")).ToContainTextAsync(PdfPhrase);
        await Assertions.Expect(page.Locator("#passage-file")).ToHaveTextAsync("heron-handbook.pdf");
        await Assertions.Expect(page.Locator("#passage-page")).ToHaveTextAsync("2");
        await BrowserPortal.ScreenshotAsync(page, "knowledge-passage-desktop-en-light");
        await CloseWithEscapeAsync(page);

        // The keyboard alone: focus the DOCX source, Enter opens its passage, Escape closes it.
        await docxSource.First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#passage-text")).ToContainTextAsync(DocxPhrase);
        await Assertions.Expect(page.Locator("#passage-heading")).ToHaveTextAsync("Prüfungen");
        await CloseWithEscapeAsync(page);
        await BrowserPortal.ScreenshotAsync(page, "knowledge-chat-desktop-en-light");

        // An inline marker opens its source too. Random weights rarely write "[1]", so the marker is put into the answer
        // exactly as ChatMarkdown renders it (the markup itself is covered by ChatMarkdownCitationTests).
        var marker = ChatMarkdown.ToHtml("See [1].", citationLabels: new Dictionary<int, string> { [1] = "Source 1" });
        await answer.Locator(".pl-markdown").EvaluateAsync("(element, html) => element.insertAdjacentHTML('beforeend', html)", marker);
        var firstFile = (await sources.First.Locator(".pl-source-text").TextContentAsync())!.Split(',', '—')[0].Trim();
        await answer.Locator(".pl-markdown .pl-cite[data-cite='1']").ClickAsync();
        await Assertions.Expect(page.Locator("#passage-file")).ToHaveTextAsync(firstFile);
        await CloseWithEscapeAsync(page);

        // After a reload the sources and the attached collection come back with the conversation.
        var conversation = page.Url;
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-msg-sources .pl-source").Filter(new() { HasText = "heron-handbook.pdf, page 2" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chat-collections .pl-chat-collection")).ToHaveTextAsync("Harbour manual");

        // The chip's × detaches the collection, for this conversation too (once the page is interactive).
        await Assertions.Expect(page.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        await page.Locator("#chat-collections .pl-chat-collection .mud-chip-close-button").ClickAsync();
        await Assertions.Expect(page.Locator("#chat-collections")).ToHaveCountAsync(0);
        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));

        // A phone in German and dark: the same conversation and the knowledge page, nothing sideways.
        var phone = await portal.NewPageAsync(390, 844);
        await BrowserPortal.LoginAsync(phone, email, Password);
        await phone.Context.AddCookiesAsync(
        [
            new Cookie { Name = ".AspNetCore.Culture", Value = "c=de|uic=de", Url = portal.BaseUrl },
            new Cookie { Name = "PromptLeo.Theme", Value = "dark", Url = portal.BaseUrl },
        ]);
        await phone.GotoAsync(conversation);
        var phoneSources = phone.Locator(".pl-msg-assistant .pl-msg-sources");
        await Assertions.Expect(phoneSources.Locator(".pl-msg-sources-title")).ToHaveTextAsync("Quellen");
        await Assertions.Expect(phoneSources.Locator(".pl-source").Filter(new() { HasText = "heron-handbook.pdf, Seite 2" }).First).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        await ExpectNoSidewaysScrollAsync(phone);
        await phoneSources.Locator(".pl-source").Filter(new() { HasText = "kranich.docx" }).First.ClickAsync();
        await Assertions.Expect(phone.Locator("#passage-text")).ToContainTextAsync(DocxPhrase);
        await Assertions.Expect(phone.Locator(".mud-dialog")).ToContainTextAsync("Abschnitt");
        await BrowserPortal.ScreenshotAsync(phone, "knowledge-passage-phone-de-dark");
        await CloseWithEscapeAsync(phone);

        await phone.GotoAsync("/knowledge");
        await phone.WaitForSelectorAsync(".pl-knowledge[data-interactive]");
        await Assertions.Expect(phone.Locator("#knowledge-title")).ToHaveTextAsync("Wissen");
        await Assertions.Expect(phone.Locator(".pl-knowledge-document[data-file='kranich.docx'] .pl-knowledge-status")).ToHaveTextAsync("Bereit");
        await ExpectNoSidewaysScrollAsync(phone);
        await BrowserPortal.ScreenshotAsync(phone, "knowledge-phone-de-dark");

        // Deleting the collection asks first (in German) and leaves none.
        await phone.ClickAsync("#knowledge-delete-collection");
        await phone.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Löschen" }).ClickAsync();
        await Assertions.Expect(phone.Locator("#knowledge-no-collections")).ToBeVisibleAsync();

        // The answer keeps its sources, but their passages are gone with the collection, and the dialog says so.
        await phone.GotoAsync(conversation);
        await Assertions.Expect(phone.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        await phone.Locator(".pl-msg-assistant .pl-msg-sources .pl-source").First.ClickAsync();
        await Assertions.Expect(phone.Locator("#passage-missing")).ToContainTextAsync("gelöscht");

        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Escape closes the passage dialog once the dialog has taken the focus (as it does on opening).</summary>
    private static async Task CloseWithEscapeAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => document.activeElement?.closest('.mud-dialog') != null");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#passage-text")).ToHaveCountAsync(0);
    }

    private static async Task ExpectNoSidewaysScrollAsync(IPage page) =>
        Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"), $"{page.Url} scrolls sideways.");

    [GeneratedRegex("/chat/[0-9a-f-]{36}$")]
    private static partial Regex ConversationUrl();

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
