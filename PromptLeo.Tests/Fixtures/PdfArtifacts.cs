using System.Diagnostics;
using UglyToad.PdfPig;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Reads PDFs back with PdfPig and renders a PNG of the first page with pdftoppm for a human look.</summary>
public static class PdfArtifacts
{
    /// <summary>All words of all pages, space-separated.</summary>
    public static string Text(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        Assert.True(document.NumberOfPages >= 1);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    public static int PageCount(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.NumberOfPages;
    }

    /// <summary>Writes the PDF and a PNG of its first page under TestResults/artifacts/pdf; returns the PNG path or null.</summary>
    public static string? Save(byte[] pdf, string name)
    {
        var dir = Path.Combine(SourceTree.ArtifactsDirectory, "pdf");
        Directory.CreateDirectory(dir);
        var pdfPath = Path.Combine(dir, name + ".pdf");
        File.WriteAllBytes(pdfPath, pdf);
        const string pdftoppm = "/usr/bin/pdftoppm";
        if (!File.Exists(pdftoppm))
        {
            return null;
        }
        using var process = Process.Start(new ProcessStartInfo(pdftoppm, ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdfPath, Path.Combine(dir, name)])
        {
            RedirectStandardError = true,
        })!;
        process.WaitForExit(30_000);
        Assert.Equal(0, process.ExitCode);
        var png = Path.Combine(dir, name + ".png");
        Assert.True(new FileInfo(png).Length > 1000, "pdftoppm rendered an empty page");
        return png;
    }
}
