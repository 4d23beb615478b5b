using System.Text;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Knowledge.Documents;

namespace PromptLeo.Tests.Web.Knowledge.Documents;

public class DocumentExtractorTests
{
    private static readonly TestSection[] Sections =
    [
        new(1, "Lieferbedingungen", "Die Lieferung erfolgt binnen vierzehn Werktagen ab Auftragseingang.", "Teillieferungen sind zulässig."),
        new(2, "Payment terms", "Invoices are payable within thirty days without deduction."),
        new(1, "Haftung", "Die Haftung für leichte Fahrlässigkeit ist ausgeschlossen."),
    ];

    [Fact]
    public void Extract_TextPdf_PhrasesComeWithTheirPageAndHeading()
    {
        var pdf = TestDocuments.TextPdf(
            new TestPdfPage(Sections[0]),
            new TestPdfPage(Sections[1], new TestSection(0, "", "The late fee is two percent per month.")),
            new TestPdfPage(new TestSection(0, "", "Continued: disputes go to the courts of Munich."), Sections[2]));

        var document = Extract("vertrag.pdf", pdf);

        Assert.Equal("pdf", document.Format);
        Assert.Equal(3, document.PageCount);
        AssertAt(document, "binnen vierzehn Werktagen", 1, "Lieferbedingungen");
        AssertAt(document, "Teillieferungen sind zulässig", 1, "Lieferbedingungen");
        AssertAt(document, "payable within thirty days", 2, "Payment terms");
        AssertAt(document, "two percent per month", 2, "Payment terms");
        // No heading on page 3 before this text: the nearest one is still the last heading of page 2.
        AssertAt(document, "courts of Munich", 3, "Payment terms");
        AssertAt(document, "leichte Fahrlässigkeit", 3, "Haftung");
        Assert.DoesNotContain(document.Sections, section => section.Text.Contains("Lieferbedingungen", StringComparison.Ordinal));
    }

    [Fact]
    public void Extract_ScannedPdf_NoTextWithClearMessage()
    {
        var error = Fails("scan.pdf", TestDocuments.ScannedPdf());

        Assert.Equal("no_text", error.Code);
        Assert.Contains("scanned", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("OCR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_PasswordProtectedPdf_Corrupt()
    {
        var error = Fails("secret.pdf", TestDocuments.EncryptedPdf("confidential merger plan"));

        Assert.Equal("corrupt", error.Code);
        Assert.Contains("encrypted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n%%EOF")]
    [InlineData("this is not a PDF at all")]
    public void Extract_DamagedPdf_Corrupt(string content)
    {
        Assert.Equal("corrupt", Fails("damaged.pdf", Encoding.ASCII.GetBytes(content)).Code);
    }

    [Fact]
    public void Extract_PdfWithMorePagesThanAllowed_TooLarge()
    {
        var pdf = TestDocuments.TextPdf(new TestPdfPage(Sections[0]), new TestPdfPage(Sections[1]), new TestPdfPage(Sections[2]));

        var error = Fails("long.pdf", pdf, new KnowledgeOptions { MaxPages = 2 });

        Assert.Equal("too_large", error.Code);
        Assert.Contains("3 pages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_Docx_SectionsPerHeadingAndTableRowsAsText()
    {
        var docx = TestDocuments.Docx(Sections, [["Tarif", "Preis"], ["Basis", "19 Euro"]]);

        var document = Extract("Handbuch.DOCX", docx);

        Assert.Equal("docx", document.Format);
        Assert.Null(document.PageCount);
        AssertAt(document, "binnen vierzehn Werktagen", null, "Lieferbedingungen");
        // Heading 2 carries only the built-in style name, no outline level.
        AssertAt(document, "payable within thirty days", null, "Payment terms");
        AssertAt(document, "leichte Fahrlässigkeit", null, "Haftung");
        AssertAt(document, "Tarif | Preis\nBasis | 19 Euro", null, "Haftung");
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5 })]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0 })]
    public void Extract_DocxThatIsNoZip_Corrupt(byte[] content)
    {
        Assert.Equal("corrupt", Fails("broken.docx", content).Code);
    }

    [Fact]
    public void Extract_Markdown_SectionPerHeadingWithoutMarkup()
    {
        var markdown = Encoding.UTF8.GetBytes(
            "Intro before any heading.\n\n# Setup\n\nRun **the installer** and see [the guide](https://example.org).\n\n"
            + "## Network\n\n- open port 8443\n- allow outbound mail\n\nSetext heading\n--------------\n\nUnder the setext heading.\n");

        var document = Extract("readme.md", markdown);

        Assert.Equal("markdown", document.Format);
        AssertAt(document, "Intro before any heading.", null, null);
        AssertAt(document, "Run the installer and see the guide.", null, "Setup");
        AssertAt(document, "open port 8443", null, "Network");
        AssertAt(document, "Under the setext heading.", null, "Setext heading");
        Assert.DoesNotContain(document.Sections, section => section.Text.Contains("**", StringComparison.Ordinal) || section.Text.Contains("](", StringComparison.Ordinal));
    }

    [Fact]
    public void Extract_MarkdownGenerator_PhrasesUnderTheirHeadings()
    {
        var document = Extract("notes.markdown", TestDocuments.Markdown(Sections));

        AssertAt(document, "Teillieferungen sind zulässig.", null, "Lieferbedingungen");
        AssertAt(document, "payable within thirty days", null, "Payment terms");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Extract_PlainTextUtf8_ParagraphsWithoutByteOrderMark(bool byteOrderMark)
    {
        var text = TestDocuments.PlainText(["Grüße aus Köln: das Büro öffnet um acht.", "Second paragraph."], byteOrderMark);

        var document = Extract("notes.txt", text);

        Assert.Equal("text", document.Format);
        var section = Assert.Single(document.Sections);
        Assert.Equal("Grüße aus Köln: das Büro öffnet um acht.\n\nSecond paragraph.", section.Text);
        Assert.Null(section.Page);
        Assert.Null(section.Heading);
    }

    [Fact]
    public void Extract_PlainTextInLatin1_DecodedAsLatin1()
    {
        var document = Extract("alt.txt", Encoding.Latin1.GetBytes("Größe und Maße"));

        Assert.Equal("Größe und Maße", Assert.Single(document.Sections).Text);
    }

    [Fact]
    public void Extract_BinaryNamedAsText_UnsupportedType()
    {
        var error = Fails("image.txt", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]);

        Assert.Equal("unsupported_type", error.Code);
        Assert.Contains("binary", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty.txt", "")]
    [InlineData("blank.txt", " \r\n \t\n")]
    [InlineData("headings.md", "# Only a heading\n")]
    [InlineData("scripts.html", "<html><body><script>var x = 1;</script></body></html>")]
    public void Extract_NoText_NoText(string fileName, string content)
    {
        Assert.Equal("no_text", Fails(fileName, Encoding.UTF8.GetBytes(content)).Code);
    }

    [Fact]
    public void Extract_Html_TextAndHeadingsOnlyNothingExecutable()
    {
        const string hidden = "xss-marker-4711";

        var document = Extract("page.html", TestDocuments.Html(Sections, hidden));

        Assert.Equal("html", document.Format);
        AssertAt(document, "binnen vierzehn Werktagen ab Auftragseingang.", null, "Lieferbedingungen");
        AssertAt(document, "payable within thirty days", null, "Payment terms");
        AssertAt(document, "leichte Fahrlässigkeit", null, "Haftung");
        Assert.All(document.Sections, section =>
        {
            Assert.DoesNotContain(hidden, section.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(hidden, section.Heading ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain("<", section.Text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Extract_HtmlWithLineBreaksAndTable_KeepsRowsApart()
    {
        var html = "<html><body><p>first line<br>second\n   line</p><table><tr><td>A1</td><td>B1</td></tr><tr><td>A2</td><td>B2</td></tr></table></body></html>";

        var document = Extract("t.htm", Encoding.UTF8.GetBytes(html));

        Assert.Equal("first line\nsecond line\n\nA1 B1\n\nA2 B2", Assert.Single(document.Sections).Text);
    }

    [Theory]
    [InlineData("setup.exe")]
    [InlineData("table.xlsx")]
    [InlineData("README")]
    public void Extract_UnknownExtension_UnsupportedType(string fileName)
    {
        var error = Fails(fileName, Encoding.UTF8.GetBytes("some text"));

        Assert.Equal("unsupported_type", error.Code);
        Assert.Contains("PDF, DOCX, Markdown, plain text and HTML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Extract_MoreBytesThanAllowed_TooLarge(bool seekable)
    {
        var content = Encoding.UTF8.GetBytes(new string('a', 1001));
        var options = new KnowledgeOptions { MaxDocumentBytes = 1000 };
        using var stream = seekable ? new MemoryStream(content) : new ForwardOnlyStream(content);

        var error = Assert.Throws<KnowledgeException>(() => Extractor(options).Extract("big.txt", stream));

        Assert.Equal("too_large", error.Code);
        Assert.Equal(1000, Extract("fits.txt", content[..1000], options).Sections[0].Text.Length);
    }

    [Fact]
    public void Extract_DocxExpandingFarBeyondTheLimit_TooLarge()
    {
        var docx = TestDocuments.Docx([new TestSection(0, "", new string('x', 200_000))]);
        Assert.True(docx.Length < 5_000, "the file itself is within the limit; only its content expands beyond it");

        var error = Fails("bomb.docx", docx, new KnowledgeOptions { MaxDocumentBytes = 5_000 });

        Assert.Equal("too_large", error.Code);
    }

    internal static IDocumentExtractor Extractor(KnowledgeOptions? options = null) => new DocumentExtractor(Options.Create(options ?? new KnowledgeOptions()));

    private static ExtractedDocument Extract(string fileName, byte[] content, KnowledgeOptions? options = null) =>
        Extractor(options).Extract(fileName, new MemoryStream(content));

    private static KnowledgeException Fails(string fileName, byte[] content, KnowledgeOptions? options = null)
    {
        var error = Assert.Throws<KnowledgeException>(() => Extract(fileName, content, options));
        // The message is for people: no exception type names or stack traces.
        Assert.DoesNotContain("Exception", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
        return error;
    }

    private static void AssertAt(ExtractedDocument document, string phrase, int? page, string? heading)
    {
        var section = Assert.Single(document.Sections, section => section.Text.Contains(phrase, StringComparison.Ordinal));
        Assert.Equal(page, section.Page);
        Assert.Equal(heading, section.Heading);
    }

    private sealed class ForwardOnlyStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
