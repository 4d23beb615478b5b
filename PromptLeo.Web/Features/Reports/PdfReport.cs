using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.Snippets.Font;

namespace PromptLeo.Web.Features.Reports;

/// <summary>
/// A small flowing-text PDF writer on PDFsharp: title, headings, wrapped paragraphs, key/value rows and tables,
/// with page breaks and a footer. Fonts come from PDFsharp's bundled Segoe WP family, so no system font is needed.
/// </summary>
public sealed class PdfReport : IDisposable
{
    private const string FontFamily = "Segoe WP";
    private const double Margin = 56;
    private static readonly object FontSetupLock = new();

    private readonly PdfDocument document = new();
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

    public PdfReport(string title, string footer, string? author = null)
    {
        EnsureFonts();
        document.Info.Title = title;
        document.Info.Author = author ?? "PromptLeo";
        document.Info.Creator = "PromptLeo";
        titleFont = new XFont(FontFamily, 18, XFontStyleEx.Bold);
        headingFont = new XFont(FontFamily, 12.5, XFontStyleEx.Bold);
        bodyFont = new XFont(FontFamily, 10);
        boldFont = new XFont(FontFamily, 10, XFontStyleEx.Bold);
        smallFont = new XFont(FontFamily, 8);
        smallBoldFont = new XFont(FontFamily, 8, XFontStyleEx.Bold);
        this.footer = footer;
        NewPage();
        Text(title, titleFont, XBrushes.Black, spacingAfter: 10);
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

    public PdfReport Heading(string text)
    {
        EnsureSpace(40);
        y += 6;
        return Text(text, headingFont, XBrushes.DarkSlateBlue, spacingAfter: 4);
    }

    public PdfReport Paragraph(string text) => Text(text, bodyFont, XBrushes.Black, spacingAfter: 6);

    public PdfReport Small(string text) => Text(text, smallFont, XBrushes.DimGray, spacingAfter: 4);

    public PdfReport Bullets(IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            Text("• " + item, bodyFont, XBrushes.Black, spacingAfter: 2, indent: 10);
        }
        y += 4;
        return this;
    }

    /// <summary>Label in bold on the left, value wrapped on the right.</summary>
    public PdfReport KeyValues(IEnumerable<(string Key, string Value)> rows, double keyWidth = 170)
    {
        foreach (var (key, value) in rows)
        {
            var valueLines = Wrap(value, bodyFont, Width - keyWidth);
            var keyLines = Wrap(key, boldFont, keyWidth - 8);
            var height = Math.Max(valueLines.Count, keyLines.Count) * LineHeight(bodyFont);
            EnsureSpace(height);
            DrawLines(keyLines, boldFont, XBrushes.Black, Margin);
            DrawLines(valueLines, bodyFont, XBrushes.Black, Margin + keyWidth);
            y += height + 3;
        }
        y += 4;
        return this;
    }

    /// <summary>A table with a bold header row; columns share the width by the given weights.</summary>
    public PdfReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<double>? weights = null, IReadOnlyList<bool>? rightAligned = null, bool dense = false)
    {
        weights ??= Enumerable.Repeat(1.0, headers.Count).ToArray();
        var total = weights.Sum();
        var widths = weights.Select(w => Width * w / total).ToArray();
        DrawRow(headers, widths, dense ? smallBoldFont : boldFont, rightAligned, header: true);
        foreach (var row in rows)
        {
            DrawRow(row, widths, dense ? smallFont : bodyFont, rightAligned, header: false);
        }
        y += 6;
        return this;
    }

    public PdfReport Space(double points = 8)
    {
        y += points;
        return this;
    }

    public byte[] ToBytes()
    {
        DrawFooter();
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    public void Dispose()
    {
        gfx?.Dispose();
        document.Dispose();
    }

    private void DrawRow(IReadOnlyList<string> cells, double[] widths, XFont font, IReadOnlyList<bool>? rightAligned, bool header)
    {
        var wrapped = cells.Select((c, i) => Wrap(c, font, widths[i] - 6)).ToArray();
        var height = wrapped.Max(l => l.Count) * LineHeight(font) + 4;
        EnsureSpace(height);
        var x = Margin;
        for (var i = 0; i < cells.Count; i++)
        {
            var align = rightAligned is not null && rightAligned[i];
            var lineY = y + 2;
            foreach (var line in wrapped[i])
            {
                var lineX = align ? x + widths[i] - 3 - gfx.MeasureString(line, font).Width : x + 3;
                gfx.DrawString(line, font, XBrushes.Black, lineX, lineY + font.GetHeight() * 0.8);
                lineY += LineHeight(font);
            }
            x += widths[i];
        }
        y += height;
        gfx.DrawLine(header ? XPens.Black : XPens.LightGray, Margin, y, Margin + Width, y);
    }

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

    private void DrawLines(List<string> lines, XFont font, XBrush brush, double x)
    {
        var lineY = y;
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

    private void NewPage()
    {
        gfx?.Dispose();
        page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        gfx = XGraphics.FromPdfPage(page);
        y = Margin;
    }

    private void DrawFooter()
    {
        gfx?.Dispose();
        gfx = null!;
        var count = document.PageCount;
        for (var i = 0; i < count; i++)
        {
            using var g = XGraphics.FromPdfPage(document.Pages[i], XGraphicsPdfPageOptions.Append);
            var p = document.Pages[i];
            var text = $"{footer} · {i + 1}/{count}";
            g.DrawString(text, smallFont, XBrushes.DimGray, Margin, p.Height.Point - Margin / 2);
        }
    }
}
