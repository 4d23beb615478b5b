using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;
using PdfSharp.Pdf.IO;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Reports;

/// <summary>Every document of <see cref="PortalDocuments.All"/>, in German and English: language, table headers, structure, tags.</summary>
public sealed class DocumentsTests(CompletedOperatorPortalFactory factory) : IClassFixture<CompletedOperatorPortalFactory>
{
    /// <summary>Each document in German and English; <paramref name="check"/> "language" and "tagged" keep the documents those checks apply to.</summary>
    public static TheoryData<string, string> Cases(string check)
    {
        var cases = new TheoryData<string, string>();
        foreach (var document in PortalDocuments.All.Where(d => check switch { "language" => d.OneLanguage, "tagged" => d.Tagged, _ => true }))
        {
            cases.Add(document.Name, "de");
            cases.Add(document.Name, "en");
        }
        return cases;
    }

    /// <summary>English function words that never belong in a German document ("per" is German too: "per E-Mail").</summary>
    private static readonly HashSet<string> EnglishWords = ["the", "and", "of", "with", "to", "is", "are", "for", "your", "you", "this", "by", "from", "which", "that", "not", "at", "or", "be", "been", "has", "have", "will", "on", "as", "after", "before", "until", "days", "years", "hours", "gdpr"];

    /// <summary>German function words that never belong in an English document.</summary>
    private static readonly HashSet<string> GermanWords = ["der", "die", "das", "und", "mit", "für", "von", "ist", "sind", "nicht", "oder", "auf", "bei", "zu", "den", "dem", "ein", "eine", "einer", "ihre", "ihr", "werden", "wird", "nach", "bis", "über", "keine", "tage", "jahre", "stunden", "dsgvo"];

    /// <summary>
    /// Words allowed in either language: citations of German law in English documents ("§ 147 Abs. 1 Nr. 4 AO" cites the
    /// statute by its own name) and proper names. Each entry is a whole phrase, removed before the word check, as are
    /// the operator's own settings (name, address, authority), which are printed as configured.
    /// </summary>
    private static readonly string[] AllowedPhrases =
    [
        "Abs.", "Nr.", "lit.", "Frankfurt am Main",
    ];

    [Theory]
    [MemberData(nameof(Cases), "language")]
    public async Task Document_RenderedInOneLanguage_HoldsNoTextOfTheOther(string name, string language)
    {
        var (pdf, recording) = await RenderAsync(name, language);
        var text = Normalize(PdfArtifacts.Text(pdf));
        var german = language == "de";

        // 1. No alternative of the other language that ReportText.T handed out (whole phrase, case-sensitive), unless
        // this language uses the same words too ("Version" is German as well as English).
        var ownTexts = string.Join(" | ", recording.Pairs.Select(p => Normalize(german ? p.German : p.English)));
        foreach (var (english, germanText) in recording.Pairs.Distinct())
        {
            var other = Normalize(german ? english : germanText);
            if (ContainsPhrase(ownTexts, other))
            {
                continue;
            }
            Assert.False(ContainsPhrase(text, other), $"{name} ({language}) prints the other language's text: \"{other}\"");
        }

        // 2. Text that bypassed T: function words of the other language, after the allowed phrases are taken out.
        var operatorTexts = typeof(OperatorOptions).GetProperties().Where(p => p.PropertyType == typeof(string))
            .Select(p => p.GetValue(factory.Services.GetRequiredService<IOptions<OperatorOptions>>().Value) as string).OfType<string>().Where(v => v.Length > 0);
        var checkedText = AllowedPhrases.Concat(operatorTexts).Select(Normalize).OrderByDescending(p => p.Length)
            .Aggregate(text, (t, phrase) => t.Replace(phrase, " ", StringComparison.Ordinal));
        // Ids and references (a GUID, "req_…", "pi_3Qx…") hold a digit; their letter runs ("be", "a") are not words.
        var words = Regex.Matches(Regex.Replace(checkedText, @"\S*\d\S*", " "), @"\p{L}+").Select(m => m.Value).ToList();
        Assert.True(words.Count > 50, $"{name} ({language}) holds too little text to check");
        var foreign = words.Where(w => (german ? EnglishWords : GermanWords).Contains(w.ToLowerInvariant())).Distinct().ToList();
        Assert.True(foreign.Count == 0, $"{name} ({language}) holds words of the other language: {string.Join(", ", foreign)}");

        // 3. Stored codes printed raw: purposes ("image-generation"), count keys and other camelCase identifiers.
        var codes = typeof(ProcessingPurpose).GetFields().Where(f => f.IsLiteral && f.Name != nameof(ProcessingPurpose.LegalBasis)).Select(f => (string)f.GetRawConstantValue()!);
        // A code inside a longer identifier (the model id "demo-background-removal") is that identifier, not the code.
        Assert.All(codes, code => Assert.False(Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}-]){Regex.Escape(code)}(?![\p{{L}}\p{{N}}-])"), $"{name} ({language}) prints the code \"{code}\""));
        var identifier = Regex.Match(checkedText, @"\b[a-z]+[A-Z][A-Za-z]*\b");
        Assert.False(identifier.Success, $"{name} ({language}) prints the identifier \"{identifier.Value}\"");
        if (german)
        {
            Assert.DoesNotMatch(@"\d\(\d+\)(\([a-z]\))?", text); // English citation style "Art. 6(1)(b)"; German: "Art. 6 Abs. 1 lit. b"
        }

        // 4. Dates and numbers in the document's culture.
        var (wrongDate, wrongNumber) = german
            ? (@"\b\d{4}-\d{2}-\d{2}\b", @"\b\d{1,3}(,\d{3})+\b(?!,)")  // ISO dates, 1,234
            : (@"\b\d{1,2}\.\d{1,2}\.\d{4}\b", @"\b\d{1,3}(\.\d{3})+\b(?!\.\d)"); // 01.12.2026, 1.234
        Assert.False(Regex.IsMatch(text, wrongDate), $"{name} ({language}) writes a date of the other culture: {Regex.Match(text, wrongDate).Value}");
        Assert.False(Regex.IsMatch(text, wrongNumber), $"{name} ({language}) writes a number of the other culture: {Regex.Match(text, wrongNumber).Value}");
        // The counts (1234, 2345, 1500) are printed with the culture's group separator, never bare.
        Assert.DoesNotMatch(@"\b(1234|2345|1500)\b", text);
        PdfArtifacts.Save(pdf, $"document-{name}-{language}");
    }

    [Theory]
    [MemberData(nameof(Cases), "tagged")]
    public async Task Document_EveryTableHeader_WrapsOnlyBetweenWords(string name, string language)
    {
        var (pdf, recording) = await RenderAsync(name, language);
        var words = PdfArtifacts.Text(pdf).Split(' ').ToHashSet();

        foreach (var table in recording.TableHeaders)
        {
            for (var column = 0; column < table.Headers.Count; column++)
            {
                // Wrapping splits at spaces only when the lines rejoin to the header; a word cut by characters adds a space.
                Assert.Equal(table.Headers[column], string.Join(" ", table.Lines[column]));
                foreach (var word in table.Headers[column].Split(' '))
                {
                    Assert.True(words.Contains(word), $"{name} ({language}): header word \"{word}\" is not whole in the PDF");
                }
            }
            Assert.True(table.FontSize >= 6, $"{name} ({language}): header font {table.FontSize} pt");
        }
    }

    [Theory]
    [MemberData(nameof(Cases), "all")]
    public async Task Document_QpdfCheckAndPdfPig_PassWithoutWarnings(string name, string language)
    {
        var (pdf, _) = await RenderAsync(name, language);
        var path = Path.Combine(Path.GetTempPath(), $"promptleo-{name}-{language}-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            var (exitCode, output) = await QpdfCheckAsync(path);
            Assert.True(exitCode == 0, $"qpdf --check {name} ({language}) exited {exitCode}: {output}");
            Assert.DoesNotContain("WARNING", output, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("No syntax or stream encoding errors found", output);
        }
        finally
        {
            File.Delete(path);
        }
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf, new UglyToad.PdfPig.ParsingOptions { UseLenientParsing = false });
        Assert.All(document.GetPages(), page => Assert.NotEmpty(page.GetWords()));
    }

    [Theory]
    [MemberData(nameof(Cases), "tagged")]
    public async Task Document_Tagged_HasMarkInfoStructureTreeLanguageAndTitle(string name, string language)
    {
        var (pdf, recording) = await RenderAsync(name, language);
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var catalog = document.Internals.Catalog;

        Assert.True(catalog.Elements.GetDictionary("/MarkInfo")?.Elements.GetBoolean("/Marked"), $"{name}: /MarkInfo /Marked true");
        Assert.Equal(language == "de" ? "de-DE" : "en-GB", catalog.Elements.GetString("/Lang"));
        Assert.True(catalog.Elements.GetDictionary("/ViewerPreferences")?.Elements.GetBoolean("/DisplayDocTitle"), $"{name}: DisplayDocTitle");
        Assert.False(string.IsNullOrWhiteSpace(document.Info.Title));
        var root = catalog.Elements.GetDictionary("/StructTreeRoot");
        Assert.NotNull(root);
        var tags = new List<string>();
        CollectTags(root.Elements["/K"], tags, 0);
        Assert.Contains("/Document", tags);
        Assert.Single(tags, "/H1");
        Assert.Contains("/P", tags);
        Assert.Equal(recording.Headings, tags.Count(t => t == "/H2"));
        Assert.Contains("/Table", tags); // every document has key/value rows or a table
        Assert.Contains("/TR", tags);
        Assert.Contains("/TH", tags);
        if (recording.TableHeaders.Count > 0)
        {
            Assert.Contains("/TD", tags);
        }
        Assert.All(tags, t => Assert.Contains(t, KnownTags));
    }

    [Fact]
    public void ColumnWidths_HeaderWordWiderThanItsShare_TakesTheWidthFromTheOthers()
    {
        var widths = PdfReport.ColumnWidths(400, [1, 1, 2], [150, 20, 20])!;

        Assert.Equal(150, widths[0], 3);
        Assert.Equal(400, widths.Sum(), 3);
        Assert.Equal(widths[1] * 2, widths[2], 3); // the rest keeps its weights
        Assert.Null(PdfReport.ColumnWidths(100, [1, 1], [60, 60]));
    }

    [Fact]
    public void CategoryName_EveryCountKeyOfTheDocuments_HasAGermanAndAnEnglishName()
    {
        foreach (var key in DocumentData.Counts.Keys)
        {
            var german = DeletionCertificateWriter.CategoryName(key, new ReportText("de"));
            var english = DeletionCertificateWriter.CategoryName(key, new ReportText("en"));
            Assert.NotEqual(key, german);
            Assert.NotEqual(key, english);
        }
    }

    private async Task<(byte[] Pdf, ReportRecording Recording)> RenderAsync(string name, string language)
    {
        var document = PortalDocuments.All.Single(d => d.Name == name);
        var user = await PrivacySeed.CreateAsync(factory, language);
        await PortalDocuments.AddRecordsAsync(factory.Services, user.Id);
        using var recording = ReportRecording.Start();
        var pdf = await document.Render(new DocumentData(factory.Services, user, DateTimeOffset.UtcNow), language);
        return (pdf, recording);
    }

    /// <summary>The structure types PdfReport writes: a reader meets nothing else.</summary>
    private static readonly string[] KnownTags = ["/Document", "/H1", "/H2", "/P", "/L", "/LI", "/Lbl", "/LBody", "/Table", "/TR", "/TH", "/TD"];

    private static string Normalize(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    private static bool ContainsPhrase(string text, string phrase) =>
        Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(phrase)}(?![\p{{L}}\p{{N}}])");

    private static void CollectTags(PdfItem? item, List<string> tags, int depth)
    {
        Assert.True(depth < 64, "structure tree too deep");
        switch (item is PdfReference reference ? reference.Value : item)
        {
            case PdfArray array:
                foreach (var kid in array.Elements)
                {
                    CollectTags(kid, tags, depth + 1);
                }
                break;
            case PdfDictionary dictionary when dictionary.Elements.ContainsKey("/S"):
                tags.Add(dictionary.Elements.GetName("/S"));
                CollectTags(dictionary.Elements["/K"], tags, depth + 1);
                break;
        }
    }

    private static async Task<(int ExitCode, string Output)> QpdfCheckAsync(string path)
    {
        const string qpdf = "/usr/bin/qpdf";
        Assert.True(File.Exists(qpdf), "qpdf is missing: apt-get install qpdf (.ci/run installs it)");
        using var process = Process.Start(new ProcessStartInfo(qpdf, ["--check", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
