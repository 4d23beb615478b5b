using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>
/// PDF text with PdfPig: text blocks per page in reading order (Docstrum segmentation), a block is a paragraph; a line
/// set clearly larger than the body text (the most common letter size) is a heading.
/// </summary>
internal static class PdfTextReader
{
    // A heading is at least this much larger than the body text and short; smaller steps are too often emphasis.
    private const double HeadingSizeRatio = 1.2;
    private const int MaxHeadingCharacters = 150;

    public static ExtractedDocument Read(byte[] content, int maxPages)
    {
        PdfDocument document;
        try
        {
            document = PdfDocument.Open(content, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw DocumentErrors.Damaged("PDF", exception);
        }

        using (document)
        {
            var pages = ReadPages(document, maxPages);
            if (pages.All(page => page.Count == 0))
            {
                throw DocumentErrors.ScannedPdf();
            }
            return new ExtractedDocument(DocumentFormats.Pdf, pages.Count, Sections(pages));
        }
    }

    private static List<List<PdfLine>> ReadPages(PdfDocument document, int maxPages)
    {
        int pageCount;
        try
        {
            pageCount = document.NumberOfPages;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw DocumentErrors.Damaged("PDF", exception);
        }
        if (pageCount == 0)
        {
            throw DocumentErrors.Damaged("PDF", new InvalidDataException("The PDF has no pages."));
        }
        if (pageCount > maxPages)
        {
            throw DocumentErrors.TooManyPages(pageCount, maxPages);
        }

        var pages = new List<List<PdfLine>>(pageCount);
        for (var number = 1; number <= pageCount; number++)
        {
            try
            {
                pages.Add(Lines(document.GetPage(number)));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                throw DocumentErrors.Damaged("PDF", exception);
            }
        }
        return pages;
    }

    private static List<PdfLine> Lines(Page page)
    {
        var words = page.GetWords().Where(word => !string.IsNullOrWhiteSpace(word.Text)).ToList();
        if (words.Count == 0)
        {
            return [];
        }
        var lines = new List<PdfLine>();
        var blockNumber = 0;
        foreach (var block in UnsupervisedReadingOrderDetector.Instance.Get(DocstrumBoundingBoxes.Instance.GetBlocks(words)))
        {
            foreach (var line in block.TextLines)
            {
                var letters = line.Words.SelectMany(word => word.Letters).Where(letter => !string.IsNullOrWhiteSpace(letter.Value)).ToList();
                if (letters.Count > 0)
                {
                    lines.Add(new PdfLine(blockNumber, string.Join(' ', line.Words.Select(word => word.Text)), MedianSize(letters), letters.Count));
                }
            }
            blockNumber++;
        }
        return lines;
    }

    private static IReadOnlyList<ExtractedSection> Sections(List<List<PdfLine>> pages)
    {
        var bodySize = BodySize(pages);
        var builder = new SectionBuilder();
        for (var index = 0; index < pages.Count; index++)
        {
            builder.StartPage(index + 1);
            var paragraph = new StringBuilder();
            var heading = new StringBuilder();
            var block = -1;
            foreach (var line in pages[index])
            {
                var isHeading = line.Size >= bodySize * HeadingSizeRatio && line.Text.Length <= MaxHeadingCharacters && line.Text.Any(char.IsLetter);
                if (isHeading)
                {
                    AddParagraph(builder, paragraph);
                    // A heading that wraps over two lines stays one heading.
                    heading.Append(heading.Length > 0 ? " " : "").Append(line.Text);
                    continue;
                }
                if (heading.Length > 0)
                {
                    builder.StartHeading(heading.ToString());
                    heading.Clear();
                }
                else if (line.Block != block)
                {
                    AddParagraph(builder, paragraph);
                }
                block = line.Block;
                paragraph.Append(paragraph.Length > 0 ? "\n" : "").Append(line.Text);
            }
            AddParagraph(builder, paragraph);
            if (heading.Length > 0)
            {
                builder.StartHeading(heading.ToString());
            }
        }
        return builder.Build();
    }

    private static void AddParagraph(SectionBuilder builder, StringBuilder paragraph)
    {
        builder.AddParagraph(paragraph.ToString());
        paragraph.Clear();
    }

    /// <summary>The letter size most letters of the document have (rounded to half points).</summary>
    private static double BodySize(List<List<PdfLine>> pages) => pages
        .SelectMany(page => page)
        .GroupBy(line => Math.Round(line.Size * 2) / 2)
        .OrderByDescending(group => group.Sum(line => line.Letters))
        .ThenBy(group => group.Key)
        .First().Key;

    private static double MedianSize(List<Letter> letters)
    {
        var sizes = letters.Select(letter => letter.PointSize).Order().ToList();
        return sizes[sizes.Count / 2];
    }

    private sealed record PdfLine(int Block, string Text, double Size, int Letters);
}
