using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>
/// Cuts each section into chunks of about <see cref="KnowledgeOptions.ChunkCharacters"/>: whole paragraphs where they
/// fit, else whole sentences, else words; the next chunk repeats the last sentences (or words) up to
/// <see cref="KnowledgeOptions.ChunkOverlapCharacters"/>. A chunk never spans two sections, so its page and heading
/// are exact. Deterministic: the same document gives the same chunks.
/// </summary>
public sealed partial class DocumentChunker(IOptions<KnowledgeOptions> options) : IDocumentChunker
{
    public IReadOnlyList<ChunkDraft> Chunk(ExtractedDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var target = options.Value.ChunkCharacters;
        // An overlap of more than half a chunk would make every chunk mostly a repeat.
        var overlap = Math.Min(options.Value.ChunkOverlapCharacters, target / 2);
        var chunks = new List<ChunkDraft>();
        foreach (var section in document.Sections)
        {
            foreach (var text in ChunkText(section.Text, target, overlap))
            {
                chunks.Add(new ChunkDraft(chunks.Count, section.Page, section.Heading, text));
            }
        }
        return chunks;
    }

    internal static IEnumerable<string> ChunkText(string text, int target, int overlap)
    {
        var current = new List<Piece>();
        var fresh = 0;
        foreach (var piece in Pieces(text, target))
        {
            if (fresh > 0 && Length(current) + 2 + piece.Text.Length > target)
            {
                yield return Join(current);
                current = Tail(current, overlap);
                fresh = 0;
            }
            current.Add(piece);
            fresh++;
        }
        if (fresh > 0)
        {
            yield return Join(current);
        }
    }

    /// <summary>Paragraphs that fit; longer paragraphs as sentences; longer sentences cut at a space.</summary>
    private static IEnumerable<Piece> Pieces(string text, int target)
    {
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (paragraph.Length <= target)
            {
                yield return new Piece(paragraph, StartsParagraph: true);
                continue;
            }
            var first = true;
            foreach (var sentence in SentenceEnd().Split(paragraph))
            {
                foreach (var part in Cut(sentence.Trim(), target))
                {
                    yield return new Piece(part, first);
                    first = false;
                }
            }
        }
    }

    private static IEnumerable<string> Cut(string sentence, int target)
    {
        while (sentence.Length > target)
        {
            var cut = sentence.LastIndexOf(' ', target);
            if (cut < target / 2)
            {
                // No space in the second half: a cut inside a word, but never inside a surrogate pair.
                cut = char.IsHighSurrogate(sentence[target - 1]) ? target - 1 : target;
            }
            yield return sentence[..cut].Trim();
            sentence = sentence[cut..].TrimStart();
        }
        if (sentence.Length > 0)
        {
            yield return sentence;
        }
    }

    /// <summary>The last whole pieces that fit in the overlap, else the last sentences of the last piece, else its last words.</summary>
    private static List<Piece> Tail(List<Piece> pieces, int overlap)
    {
        if (overlap == 0 || pieces.Count == 0)
        {
            return [];
        }
        var tail = Last(pieces, overlap, separator: 2);
        if (tail.Count > 0)
        {
            return tail;
        }
        var last = pieces[^1].Text;
        var sentences = Last(SentenceEnd().Split(last).Select(sentence => new Piece(sentence, StartsParagraph: false)).ToList(), overlap, separator: 1);
        if (sentences.Count > 0)
        {
            return sentences;
        }
        var start = last.IndexOf(' ', last.Length - overlap);
        return start >= 0 && start + 1 < last.Length ? [new Piece(last[(start + 1)..], StartsParagraph: false)] : [];
    }

    private static List<Piece> Last(List<Piece> pieces, int limit, int separator)
    {
        var last = new List<Piece>();
        var length = 0;
        for (var index = pieces.Count - 1; index >= 0; index--)
        {
            var added = pieces[index].Text.Length + (last.Count > 0 ? separator : 0);
            if (length + added > limit)
            {
                break;
            }
            last.Insert(0, pieces[index]);
            length += added;
        }
        return last;
    }

    private static int Length(List<Piece> pieces) => pieces.Sum(piece => piece.Text.Length + 2);

    private static string Join(List<Piece> pieces)
    {
        var text = new StringBuilder();
        foreach (var piece in pieces)
        {
            if (text.Length > 0)
            {
                text.Append(piece.StartsParagraph ? "\n\n" : " ");
            }
            text.Append(piece.Text);
        }
        return text.ToString();
    }

    private sealed record Piece(string Text, bool StartsParagraph);

    // A sentence ends at . ! ? or … followed by white space.
    [GeneratedRegex(@"(?<=[.!?…])\s+")]
    private static partial Regex SentenceEnd();
}
