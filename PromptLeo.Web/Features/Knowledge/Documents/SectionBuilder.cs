using System.Text;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>Collects paragraphs in reading order into sections, one per run of the same page and heading.</summary>
internal sealed class SectionBuilder
{
    private readonly List<ExtractedSection> sections = [];
    private readonly StringBuilder text = new();
    private int? page;
    private string? heading;

    public int? Page => page;

    public string? Heading => heading;

    /// <summary>Starts a new section under <paramref name="newHeading"/> (same page).</summary>
    public void StartHeading(string newHeading)
    {
        Flush();
        heading = Normalize(newHeading) is { Length: > 0 } normalized ? normalized : heading;
    }

    /// <summary>Starts a new page; the heading carries over, it is still the nearest one.</summary>
    public void StartPage(int newPage)
    {
        Flush();
        page = newPage;
    }

    public void AddParagraph(string paragraph)
    {
        var normalized = Normalize(paragraph);
        if (normalized.Length == 0)
        {
            return;
        }
        if (text.Length > 0)
        {
            text.Append("\n\n");
        }
        text.Append(normalized);
    }

    public IReadOnlyList<ExtractedSection> Build()
    {
        Flush();
        return sections;
    }

    /// <summary>Collapses spaces and tabs, trims every line and drops empty lines; single line breaks stay.</summary>
    public static string Normalize(string value)
    {
        var lines = value.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var result = new StringBuilder(value.Length);
        foreach (var line in lines)
        {
            var collapsed = string.Join(' ', line.Split([' ', '\t', '\u00A0', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries));
            if (collapsed.Length == 0)
            {
                continue;
            }
            if (result.Length > 0)
            {
                result.Append('\n');
            }
            result.Append(collapsed);
        }
        return result.ToString();
    }

    private void Flush()
    {
        if (text.Length > 0)
        {
            sections.Add(new ExtractedSection(page, heading, text.ToString()));
            text.Clear();
        }
    }
}
