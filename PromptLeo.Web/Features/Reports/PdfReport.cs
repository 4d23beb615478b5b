using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.Snippets.Font;
using PdfSharp.UniversalAccessibility;

namespace PromptLeo.Web.Features.Reports;

/// <summary>
/// A small flowing-text PDF writer on PDFsharp: title, headings, wrapped paragraphs, key/value rows and tables,
/// with page breaks and a footer. Fonts come from PDFsharp's bundled Segoe WP family, so no system font is needed.
/// Every document is tagged (PDFsharp's UAManager): H1 title, H2 headings, P paragraphs, L/LI lists, Table/TR/TH/TD
/// tables, footer and rules as artifacts, /Lang from the document's language, the title shown in the window bar.
/// The calls are queued and laid out twice when the bytes are asked for: first untagged to count the pages for the
/// footer ("3/7"), then for real, because PDFsharp's tagging draws only on the newest page.
/// </summary>
public sealed class PdfReport : IDisposable
{
    private const string FontFamily = "Segoe WP";
    private const double Margin = 56;
    private const double CellPadding = 6;
    private const double SmallestHeaderFont = 6;
    private static readonly object FontSetupLock = new();

    private readonly List<Action> layout = [];
    private readonly string title;
    private readonly string author;
    private readonly string languageTag;
    private PdfDocument document = null!;
    private StructureBuilder? structure;
    private int pageTotal;
    private readonly XFont titleFont;
    private readonly XFont headingFont;
    private readonly XFont bodyFont;
    private readonly XFont boldFont;
    private readonly XFont smallFont;
    private readonly XFont smallBoldFont;
    private readonly string footer;
    private PdfPage page = null!;
    private XGraphics gfx = null!;
    private double y;

    /// <param name="language">"de" or "en", as <see cref="ReportText.Language"/>: written as the document's /Lang.</param>
    public PdfReport(string title, string footer, string language, string? author = null)
    {
        EnsureFonts();
        this.title = title;
        this.author = author ?? "PromptLeo";
        languageTag = new ReportText(language).LanguageTag;
        titleFont = new XFont(FontFamily, 18, XFontStyleEx.Bold);
        headingFont = new XFont(FontFamily, 12.5, XFontStyleEx.Bold);
        bodyFont = new XFont(FontFamily, 10);
        boldFont = new XFont(FontFamily, 10, XFontStyleEx.Bold);
        smallFont = new XFont(FontFamily, 8);
        smallBoldFont = new XFont(FontFamily, 8, XFontStyleEx.Bold);
        this.footer = footer;
        Queue(() => Tagged(PdfBlockLevelElementTag.Heading1, () => Text(title, titleFont, XBrushes.Black, spacingAfter: 10)));
    }

    /// <summary>Registers the bundled fonts once per process; PDFsharp's resolver is global.</summary>
    public static void EnsureFonts()
    {
        lock (FontSetupLock)
        {
            if (GlobalFontSettings.FontResolver is null)
            {
                GlobalFontSettings.FontResolver = new FailsafeFontResolver();
            }
        }
    }

    private double Width => page.Width.Point - 2 * Margin;

    public PdfReport Heading(string text) => Queue(() =>
    {
        EnsureSpace(40);
        y += 6;
        if (structure is not null)
        {
            ReportRecording.Heading();
        }
        Tagged(PdfBlockLevelElementTag.Heading2, () => Text(text, headingFont, XBrushes.DarkSlateBlue, spacingAfter: 4));
    });

    public PdfReport Paragraph(string text) => Queue(() => Tagged(PdfBlockLevelElementTag.Paragraph, () => Text(text, bodyFont, XBrushes.Black, spacingAfter: 6)));

    public PdfReport Small(string text) => Queue(() => Tagged(PdfBlockLevelElementTag.Paragraph, () => Text(text, smallFont, XBrushes.DimGray, spacingAfter: 4)));

    /// <summary>A list: the bullet is the label (Lbl), the text its body (LBody), wrapped with a hanging indent.</summary>
    public PdfReport Bullets(IEnumerable<string> items)
    {
        var list = items.ToList();
        return Queue(() => DrawBullets(list));
    }

    /// <summary>Label in bold on the left, value wrapped on the right (a line break starts a new line: addresses); tagged as a table whose rows start with a header cell.</summary>
    public PdfReport KeyValues(IEnumerable<(string Key, string Value)> rows, double keyWidth = 170)
    {
        var list = rows.ToList();
        return Queue(() => DrawKeyValues(list, keyWidth));
    }

    /// <summary>A table with a bold header row; columns share the width by the given weights, widened so no header word is cut.</summary>
    public PdfReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<double>? weights = null, IReadOnlyList<bool>? rightAligned = null, bool dense = false)
    {
        var list = rows.ToList();
        return Queue(() => DrawTable(headers, list, weights, rightAligned, dense));
    }

    public PdfReport Space(double points = 8) => Queue(() => y += points);

    private PdfReport Queue(Action step)
    {
        layout.Add(step);
        return this;
    }

    private void DrawBullets(List<string> items)
    {
        Begin(PdfBlockLevelElementTag.List);
        foreach (var item in items)
        {
            Begin(PdfBlockLevelElementTag.ListItem);
            EnsureSpace(LineHeight(bodyFont));
            Tagged(PdfBlockLevelElementTag.Label, () => gfx.DrawString("•", bodyFont, XBrushes.Black, Margin + 10, y + bodyFont.GetHeight() * 0.8));
            Tagged(PdfBlockLevelElementTag.ListBody, () => Text(item, bodyFont, XBrushes.Black, spacingAfter: 2, indent: 20));
            End();
        }
        End();
        y += 4;
    }

    /// <summary>Draws the key/value rows queued by <see cref="KeyValues"/>.</summary>
    private void DrawKeyValues(List<(string Key, string Value)> rows, double keyWidth)
    {
        Begin(PdfBlockLevelElementTag.Table);
        foreach (var (key, value) in rows)
        {
            var valueLines = value.Replace("\r", "").Split('\n').SelectMany(line => Wrap(line, bodyFont, Width - keyWidth)).ToList();
            var keyLines = Wrap(key, boldFont, keyWidth - 8);
            var height = Math.Max(valueLines.Count, keyLines.Count) * LineHeight(bodyFont);
            EnsureSpace(height);
            Begin(PdfBlockLevelElementTag.TableRow);
            Tagged(PdfBlockLevelElementTag.TableHeaderCell, () => DrawLines(keyLines, boldFont, XBrushes.Black, Margin, y));
            Tagged(PdfBlockLevelElementTag.TableDataCell, () => DrawLines(valueLines, bodyFont, XBrushes.Black, Margin + keyWidth, y));
            End();
            y += height + 3;
        }
        End();
        y += 4;
    }

    /// <summary>
    /// A table with a bold header row; columns share the width by the given weights, but never narrower than their
    /// longest header word, so a header wraps only between words (the header font shrinks if the words cannot fit).
    /// </summary>
    private void DrawTable(IReadOnlyList<string> headers, List<IReadOnlyList<string>> rows, IReadOnlyList<double>? weights, IReadOnlyList<bool>? rightAligned, bool dense)
    {
        weights ??= Enumerable.Repeat(1.0, headers.Count).ToArray();
        var (widths, headerFont) = HeaderLayout(headers, rows, weights, dense ? smallBoldFont : boldFont, dense ? smallFont : bodyFont);
        Begin(PdfBlockLevelElementTag.Table);
        var headerLines = DrawRow(headers, widths, headerFont, rightAligned, header: true);
        if (structure is not null)
        {
            ReportRecording.Header(new TableHeaderLayout(headers, headerLines, headerFont.Size));
        }
        foreach (var row in rows)
        {
            DrawRow(row, widths, dense ? smallFont : bodyFont, rightAligned, header: false);
        }
        End();
        y += 6;
    }

    /// <summary>
    /// The column widths and header font: each column at least as wide as its longest header word (the header font
    /// shrinks until they fit), then, column by column while the page allows, as its longest body word of letters
    /// ("Verarbeitungsnachweise"); ids and hashes may still split.
    /// </summary>
    private (double[] Widths, XFont Font) HeaderLayout(IReadOnlyList<string> headers, List<IReadOnlyList<string>> rows, IReadOnlyList<double> weights, XFont font, XFont cellFont)
    {
        var minimum = headers.Select(h => MinimumWidth(h, font)).ToArray();
        while (ColumnWidths(Width, weights, minimum) is null)
        {
            if (font.Size - 0.5 < SmallestHeaderFont)
            {
                var total = weights.Sum();
                return (weights.Select(w => Width * w / total).ToArray(), font); // cannot fit: words split, as before
            }
            font = new XFont(FontFamily, font.Size - 0.5, XFontStyleEx.Bold);
            minimum = headers.Select(h => MinimumWidth(h, font)).ToArray();
        }
        var bodyMinimum = headers.Select((_, i) => rows.Select(r => MinimumWidth(LetterWords(r[i]), cellFont)).DefaultIfEmpty(0).Max()).ToArray();
        foreach (var column in Enumerable.Range(0, headers.Count).OrderBy(i => bodyMinimum[i] - minimum[i]))
        {
            var trial = minimum.ToArray();
            trial[column] = Math.Max(trial[column], bodyMinimum[column]);
            if (ColumnWidths(Width, weights, trial) is not null)
            {
                minimum = trial;
            }
        }
        return (ColumnWidths(Width, weights, minimum)!, font);
    }

    /// <summary>The width a cell needs so that none of its words is cut.</summary>
    private double MinimumWidth(string text, XFont font) =>
        text.Split(' ').Select(word => gfx.MeasureString(word, font).Width).DefaultIfEmpty(0).Max() + CellPadding + 0.5;

    /// <summary>The words made of letters and hyphens only: words of the language, not ids.</summary>
    private static string LetterWords(string text) =>
        string.Join(' ', text.Split(' ').Where(w => w.Length > 0 && w.All(c => char.IsLetter(c) || c == '-')));

    /// <summary>Widths by weight, where a column below its minimum gets the minimum and the others share the rest by weight; null if the minimums exceed the total.</summary>
    internal static double[]? ColumnWidths(double total, IReadOnlyList<double> weights, IReadOnlyList<double> minimum)
    {
        if (minimum.Sum() > total)
        {
            return null;
        }
        var pinned = new bool[weights.Count];
        var widths = new double[weights.Count];
        while (true)
        {
            var free = total - Enumerable.Range(0, widths.Length).Where(i => pinned[i]).Sum(i => minimum[i]);
            var freeWeight = Enumerable.Range(0, widths.Length).Where(i => !pinned[i]).Sum(i => weights[i]);
            var changed = false;
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = pinned[i] ? minimum[i] : free * weights[i] / freeWeight;
            }
            for (var i = 0; i < widths.Length; i++)
            {
                if (!pinned[i] && widths[i] < minimum[i])
                {
                    pinned[i] = changed = true;
                }
            }
            if (!changed || pinned.All(p => p))
            {
                return changed ? minimum.ToArray() : widths;
            }
        }
    }

    /// <summary>
    /// Called on the final document before anything is drawn, to add catalog entries or change the PDF version
    /// (the ZUGFeRD invoice embeds its XML here).
    /// </summary>
    public Action<PdfDocument>? Prepare { get; init; }

    /// <summary>Called with the saved document and its bytes; returns the bytes to hand out (e.g. after an incremental update).</summary>
    public Func<PdfDocument, byte[], byte[]>? Complete { get; init; }

    public byte[] ToBytes()
    {
        pageTotal = Render(tagged: false);
        Render(tagged: true);
        CompressContents(document);
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return Complete is null ? stream.ToArray() : Complete(document, stream.ToArray());
    }

    /// <summary>Lays out every queued call into a fresh document; returns its page count.</summary>
    private int Render(bool tagged)
    {
        document?.Dispose();
        document = new PdfDocument();
        document.Options.CompressContentStreams = false; // CompressContents does it, with a complete zlib stream
        structure = null;
        if (tagged)
        {
            var ua = UAManager.ForDocument(document);
            ua.SetDocumentLanguage(languageTag);
            structure = ua.StructureBuilder;
            document.ViewerPreferences.DisplayDocTitle = true;
        }
        document.Info.Title = title;
        document.Info.Author = author;
        document.Info.Creator = "PromptLeo";
        if (tagged)
        {
            Prepare?.Invoke(document);
        }
        gfx = null!;
        NewPage();
        foreach (var step in layout)
        {
            step();
        }
        DrawFooter(gfx);
        gfx.Dispose();
        gfx = null!;
        return document.PageCount;
    }

    /// <summary>
    /// Flate-compresses the page contents with .NET's zlib. PDFsharp 6.2.4's own compression leaves the deflate stream
    /// unterminated, which qpdf --check reports as a warning; call with <c>Options.CompressContentStreams = false</c>.
    /// </summary>
    public static void CompressContents(PdfDocument document)
    {
        foreach (var content in document.Pages.Cast<PdfPage>().SelectMany(p => p.Contents.Elements).Select(i => (i as PdfSharp.Pdf.Advanced.PdfReference)?.Value ?? i).OfType<PdfDictionary>())
        {
            if (content.Stream is null || content.Elements.ContainsKey("/Filter"))
            {
                continue;
            }
            using var buffer = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(content.Stream.Value);
            }
            content.Stream.Value = buffer.ToArray();
            content.Elements.SetName("/Filter", "/FlateDecode");
        }
    }

    public void Dispose()
    {
        gfx?.Dispose();
        document?.Dispose();
    }

    private List<string>[] DrawRow(IReadOnlyList<string> cells, double[] widths, XFont font, IReadOnlyList<bool>? rightAligned, bool header)
    {
        var wrapped = cells.Select((c, i) => Wrap(c, font, widths[i] - CellPadding)).ToArray();
        var height = wrapped.Max(l => l.Count) * LineHeight(font) + 4;
        EnsureSpace(height);
        Begin(PdfBlockLevelElementTag.TableRow);
        var x = Margin;
        for (var i = 0; i < cells.Count; i++)
        {
            var align = rightAligned is not null && rightAligned[i];
            var (cellX, cellWidth, lines) = (x, widths[i], wrapped[i]);
            Tagged(header ? PdfBlockLevelElementTag.TableHeaderCell : PdfBlockLevelElementTag.TableDataCell, () =>
            {
                var lineY = y + 2;
                foreach (var line in lines)
                {
                    var lineX = align ? cellX + cellWidth - CellPadding / 2 - gfx.MeasureString(line, font).Width : cellX + CellPadding / 2;
                    gfx.DrawString(line, font, XBrushes.Black, lineX, lineY + font.GetHeight() * 0.8);
                    lineY += LineHeight(font);
                }
            });
            x += widths[i];
        }
        End();
        y += height;
        structure?.BeginArtifact();
        gfx.DrawLine(header ? XPens.Black : XPens.LightGray, Margin, y, Margin + Width, y);
        End();
        return wrapped;
    }

    /// <summary>Draws inside one structure element, so a screen reader meets it as that element.</summary>
    private void Tagged(PdfBlockLevelElementTag tag, Action draw)
    {
        Begin(tag);
        draw();
        End();
    }

    /// <summary>Opens a structure element; the counting pass is untagged.</summary>
    private void Begin(PdfBlockLevelElementTag tag) => structure?.BeginElement(tag);

    private void End() => structure?.End();

    private PdfReport Text(string text, XFont font, XBrush brush, double spacingAfter, double indent = 0)
    {
        foreach (var paragraph in text.Replace("\r", "").Split('\n'))
        {
            var lines = Wrap(paragraph, font, Width - indent);
            foreach (var line in lines)
            {
                EnsureSpace(LineHeight(font));
                gfx.DrawString(line, font, brush, Margin + indent, y + font.GetHeight() * 0.8);
                y += LineHeight(font);
            }
        }
        y += spacingAfter;
        return this;
    }

    private void DrawLines(List<string> lines, XFont font, XBrush brush, double x, double lineY)
    {
        foreach (var line in lines)
        {
            gfx.DrawString(line, font, brush, x, lineY + font.GetHeight() * 0.8);
            lineY += LineHeight(font);
        }
    }

    private static double LineHeight(XFont font) => font.GetHeight() * 1.15;

    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (gfx.MeasureString(candidate, font).Width <= width || current.Length == 0)
            {
                current = candidate;
                // A single word wider than the line (ids, hashes) is split by characters.
                while (gfx.MeasureString(current, font).Width > width && current.Length > 1)
                {
                    var cut = current.Length - 1;
                    while (cut > 1 && gfx.MeasureString(current[..cut], font).Width > width)
                    {
                        cut--;
                    }
                    lines.Add(current[..cut]);
                    current = current[cut..];
                }
            }
            else
            {
                lines.Add(current);
                current = word;
            }
        }
        lines.Add(current);
        return lines;
    }

    /// <summary>Starts a new page when <paramref name="height"/> does not fit; returns whether it did.</summary>
    private bool EnsureSpace(double height)
    {
        if (y + height <= page.Height.Point - Margin - 20)
        {
            return false;
        }
        NewPage();
        return true;
    }

    /// <summary>Ends the page with its footer (tagging draws only on the newest page) and starts the next.</summary>
    private void NewPage()
    {
        var previous = gfx;
        if (previous is not null)
        {
            DrawFooter(previous);
        }
        page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        previous?.Dispose();
        gfx = XGraphics.FromPdfPage(page);
        y = Margin;
    }

    private void DrawFooter(XGraphics g)
    {
        structure?.BeginArtifact(); // pagination, repeated on every page: not part of the reading order
        g.DrawString($"{footer} · {document.PageCount}/{pageTotal}", smallFont, XBrushes.DimGray, Margin, page.Height.Point - Margin / 2);
        End();
    }
}
