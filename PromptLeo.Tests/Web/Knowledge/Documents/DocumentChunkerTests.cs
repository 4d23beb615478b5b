using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Knowledge.Documents;

namespace PromptLeo.Tests.Web.Knowledge.Documents;

public class DocumentChunkerTests
{
    private const int Target = 300;
    private const int Overlap = 80;

    [Fact]
    public void Chunk_LongSection_ChunksNearTheTargetEndingAtSentencesAndOverlapping()
    {
        var sentences = Enumerable.Range(1, 60).Select(number => $"Sentence {number} explains clause {number} of the contract.").ToList();
        var paragraphs = sentences.Chunk(6).Select(group => string.Join(' ', group));
        var document = Document(new ExtractedSection(4, "Terms", string.Join("\n\n", paragraphs)));

        var chunks = Chunker().Chunk(document);

        Assert.True(chunks.Count >= 8, $"{chunks.Count} chunks");
        Assert.All(chunks, chunk =>
        {
            Assert.InRange(chunk.Text.Length, Target / 3, Target + Overlap + 2);
            Assert.EndsWith("contract.", chunk.Text, StringComparison.Ordinal);
            Assert.Equal(4, chunk.Page);
            Assert.Equal("Terms", chunk.Heading);
        });
        // Every sentence is in some chunk, and each next chunk begins with the previous chunk's last sentence.
        Assert.All(sentences, sentence => Assert.Contains(chunks, chunk => chunk.Text.Contains(sentence, StringComparison.Ordinal)));
        foreach (var (previous, next) in chunks.Zip(chunks.Skip(1)))
        {
            var lastSentence = previous.Text[(previous.Text.LastIndexOf("Sentence ", StringComparison.Ordinal))..];
            Assert.StartsWith(lastSentence, next.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Chunk_ShortParagraphs_WholeParagraphsTogether()
    {
        var document = Document(new ExtractedSection(null, null, "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."));

        var chunk = Assert.Single(Chunker().Chunk(document));

        Assert.Equal("First paragraph.\n\nSecond paragraph.\n\nThird paragraph.", chunk.Text);
        Assert.Equal(0, chunk.Ordinal);
    }

    [Fact]
    public void Chunk_SeveralSections_NeverAcrossAPageOrHeadingAndOrdinalsCount()
    {
        var long1 = string.Join(' ', Enumerable.Range(1, 30).Select(number => $"Page one sentence {number}."));
        var long2 = string.Join(' ', Enumerable.Range(1, 30).Select(number => $"Page two sentence {number}."));
        var document = Document(
            new ExtractedSection(1, "Einleitung", long1),
            new ExtractedSection(2, "Einleitung", long2),
            new ExtractedSection(2, "Kosten", "Die Kosten trägt der Auftraggeber."));

        var chunks = Chunker().Chunk(document);

        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(chunk => chunk.Ordinal));
        Assert.All(chunks.Where(chunk => chunk.Page == 1), chunk => Assert.DoesNotContain("Page two", chunk.Text, StringComparison.Ordinal));
        Assert.All(chunks.Where(chunk => chunk.Page == 2 && chunk.Heading == "Einleitung"), chunk =>
        {
            Assert.DoesNotContain("Page one", chunk.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("Kosten", chunk.Text, StringComparison.Ordinal);
        });
        Assert.Equal("Die Kosten trägt der Auftraggeber.", Assert.Single(chunks, chunk => chunk.Heading == "Kosten").Text);
        Assert.Contains(chunks, chunk => chunk.Page == 1);
    }

    [Fact]
    public void Chunk_SentenceWithoutEnd_CutAtSpacesNearTheTarget()
    {
        var words = string.Join(' ', Enumerable.Range(1, 200).Select(number => $"word{number}"));
        var document = Document(new ExtractedSection(null, null, words));

        var chunks = Chunker().Chunk(document);

        Assert.True(chunks.Count > 3);
        Assert.All(chunks, chunk =>
        {
            Assert.InRange(chunk.Text.Length, 1, Target + Overlap + 2);
            Assert.Matches(@"^word\d+( word\d+)*$", chunk.Text);
        });
        Assert.EndsWith("word200", chunks[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Chunk_OneLongWord_CutAtTheTarget()
    {
        var document = Document(new ExtractedSection(null, null, new string('x', Target * 3 + 10)));

        var chunks = Chunker().Chunk(document);

        Assert.Equal([Target, Target, Target, 10], chunks.Select(chunk => chunk.Text.Length));
    }

    [Fact]
    public void Chunk_SameDocumentTwice_SameChunks()
    {
        var text = string.Join("\n\n", Enumerable.Range(1, 40).Select(number => $"Absatz {number}. Er enthält zwei Sätze! Oder drei?"));
        var document = Document(new ExtractedSection(1, "A", text), new ExtractedSection(2, "B", text));

        Assert.Equal(Chunker().Chunk(document), Chunker().Chunk(document));
    }

    [Fact]
    public void Chunk_NoOverlapConfigured_ChunksDoNotRepeat()
    {
        var sentences = Enumerable.Range(1, 40).Select(number => $"Statement {number} is here.").ToList();
        var document = Document(new ExtractedSection(null, null, string.Join(' ', sentences)));

        var chunks = new DocumentChunker(Options.Create(new KnowledgeOptions { ChunkCharacters = Target, ChunkOverlapCharacters = 0 })).Chunk(document);

        Assert.Equal(string.Join(' ', sentences), string.Join(' ', chunks.Select(chunk => chunk.Text)));
    }

    private static DocumentChunker Chunker() =>
        new(Options.Create(new KnowledgeOptions { ChunkCharacters = Target, ChunkOverlapCharacters = Overlap }));

    private static ExtractedDocument Document(params ExtractedSection[] sections) => new("text", null, sections);
}
