using System.Text;
using System.Text.RegularExpressions;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>Plain text: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1; a blank line ends a paragraph.</summary>
internal static partial class PlainTextReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ExtractedDocument Read(byte[] content)
    {
        var builder = new SectionBuilder();
        foreach (var paragraph in Paragraphs(Decode(content)))
        {
            builder.AddParagraph(paragraph);
        }
        return new ExtractedDocument(DocumentFormats.Text, null, NotEmpty(builder.Build()));
    }

    public static IEnumerable<string> Paragraphs(string text) => BlankLine().Split(text.Replace("\r\n", "\n"));

    public static IReadOnlyList<ExtractedSection> NotEmpty(IReadOnlyList<ExtractedSection> sections) =>
        sections.Count > 0 ? sections : throw DocumentErrors.Empty();

    /// <summary>The text of the bytes; binary content (NUL or many control characters) is refused.</summary>
    public static string Decode(byte[] content)
    {
        string text;
        if (content is [0xEF, 0xBB, 0xBF, ..])
        {
            text = Utf8(content.AsSpan(3));
        }
        else if (content is [0xFF, 0xFE, ..])
        {
            text = Encoding.Unicode.GetString(content, 2, content.Length - 2);
        }
        else if (content is [0xFE, 0xFF, ..])
        {
            text = Encoding.BigEndianUnicode.GetString(content, 2, content.Length - 2);
        }
        else
        {
            text = Utf8(content);
        }
        return LooksBinary(text) ? throw DocumentErrors.NotText() : text;
    }

    private static string Utf8(ReadOnlySpan<byte> content)
    {
        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            // Older Windows editors write Latin-1/Windows-1252; every byte is a character there.
            return Encoding.Latin1.GetString(content);
        }
    }

    private static bool LooksBinary(string text)
    {
        var control = 0;
        foreach (var character in text)
        {
            if (character == '\0')
            {
                return true;
            }
            if (char.IsControl(character) && character is not ('\n' or '\r' or '\t' or '\f'))
            {
                control++;
            }
        }
        return control > 8 && control * 100 > text.Length;
    }

    [GeneratedRegex(@"\n[ \t]*\n\s*")]
    private static partial Regex BlankLine();
}
