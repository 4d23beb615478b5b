using System.Text;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Reads database cells as text for leak and link scans.</summary>
public static class DatabaseScan
{
    /// <summary>A cell as text; PDFs (the certificate, if it were stored in the clear; invoices) as their words.</summary>
    public static string CellText(object value) => value switch
    {
        byte[] bytes when bytes.AsSpan().StartsWith("%PDF"u8) => PdfArtifacts.Text(bytes),
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        DBNull => "",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
