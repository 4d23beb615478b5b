using Markdig;
using Markdig.Syntax;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>Markdown: a section per heading (# lines and underlined ones); each block's text without the markup.</summary>
internal static class MarkdownTextReader
{
    public static ExtractedDocument Read(byte[] content)
    {
        var source = PlainTextReader.Decode(content).Replace("\r\n", "\n");
        var builder = new SectionBuilder();
        foreach (var block in Markdown.Parse(source).Where(block => block.Span.Length > 0))
        {
            var text = Markdown.ToPlainText(source.Substring(block.Span.Start, block.Span.Length));
            if (block is HeadingBlock)
            {
                builder.StartHeading(text);
            }
            else if (block is not LinkReferenceDefinitionGroup)
            {
                foreach (var paragraph in PlainTextReader.Paragraphs(text))
                {
                    builder.AddParagraph(paragraph);
                }
            }
        }
        return new ExtractedDocument(DocumentFormats.Markdown, null, PlainTextReader.NotEmpty(builder.Build()));
    }
}
