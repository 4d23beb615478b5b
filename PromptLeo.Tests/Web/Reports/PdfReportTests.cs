using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Reports;

public sealed class PdfReportTests
{
    [Fact]
    public void Table_HeaderWordsWiderThanThePage_ShrinkTheHeaderFontAndStayWhole()
    {
        string[] headers = ["Datenschutzbeauftragter", "Auftragsverarbeitungsvertrag", "Verarbeitungstätigkeiten", "Aufbewahrungsfrist", "Rechtsgrundlage", "Unterauftragsverarbeiter"];
        using var recording = ReportRecording.Start();
        using var report = new PdfReport("Breite Kopfzeilen", "Test", language: "de");

        var pdf = report.Table(headers, [headers.Select(h => h.ToUpperInvariant()).ToArray()]).ToBytes();

        var table = Assert.Single(recording.TableHeaders);
        Assert.InRange(table.FontSize, 6, 9.5); // 10 pt bold does not fit six such words on A4
        Assert.Equal(headers, table.Lines.Select(lines => string.Join(" ", lines)));
        var words = PdfArtifacts.Text(pdf).Split(' ');
        Assert.All(headers, h => Assert.Contains(h, words));
    }

    [Fact]
    public void Table_ShortHeaders_KeepTheBodyFontSize()
    {
        using var recording = ReportRecording.Start();
        using var report = new PdfReport("Title", "Test", language: "en");

        report.Table(["Category", "Count"], [["Messages", "1,234"]], [3, 1], [false, true]).ToBytes();

        Assert.Equal(10, Assert.Single(recording.TableHeaders).FontSize);
    }
}
