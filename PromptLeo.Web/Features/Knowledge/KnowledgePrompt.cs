using System.Text;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>What a chat prompt says about attached collections: numbered passages to cite, or that nothing relevant was found.</summary>
public static class KnowledgePrompt
{
    public const string NothingRelevant =
        "The user attached knowledge collections to this chat, but no relevant passage was found in the attached collections for this message. " +
        "If the question depends on the user's documents, say that they do not seem to contain the answer; do not invent sources.";

    public static string Compose(IReadOnlyList<KnowledgePassage> passages)
    {
        if (passages.Count == 0)
        {
            return NothingRelevant;
        }
        var text = new StringBuilder("Answer with the help of these passages from the user's documents. Cite every passage you use with its number in square brackets, like [1]. ")
            .Append("If the passages do not answer the question, say so.\n");
        for (var i = 0; i < passages.Count; i++)
        {
            text.Append('\n').Append(Source(i + 1, passages[i])).Append(": ").Append(passages[i].Text.Trim()).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>"[1] file, p. 3 — heading".</summary>
    public static string Source(int number, KnowledgePassage passage)
    {
        var source = new StringBuilder($"[{number}] {passage.FileName}");
        if (passage.Page is { } page)
        {
            source.Append($", p. {page}");
        }
        if (!string.IsNullOrWhiteSpace(passage.Heading))
        {
            source.Append(" — ").Append(passage.Heading.Trim());
        }
        return source.ToString();
    }

    public static IReadOnlyList<KnowledgeCitation> Citations(IReadOnlyList<KnowledgePassage> passages) =>
        [.. passages.Select((p, i) => new KnowledgeCitation(i + 1, p.ChunkId, p.FileName, p.Page, p.Heading))];
}

/// <summary>The citations of an answer as stored (encrypted JSON on the assistant message).</summary>
public static class KnowledgeCitations
{
    public static string Serialize(IReadOnlyList<KnowledgeCitation> citations) => System.Text.Json.JsonSerializer.Serialize(citations, System.Text.Json.JsonSerializerOptions.Web);

    public static IReadOnlyList<KnowledgeCitation> Deserialize(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<KnowledgeCitation>>(json, System.Text.Json.JsonSerializerOptions.Web) ?? [];
}
