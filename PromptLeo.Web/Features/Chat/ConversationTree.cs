using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// A conversation is a tree: every message follows its parent, and siblings are versions of one message (an edit, a
/// regenerated answer). The active path follows the selected version from the first message down; it is what the page
/// shows and what the model sees as history.
/// </summary>
public static class ConversationTree
{
    /// <summary>Messages from the first to the active leaf; where no sibling is marked selected, the newest one.</summary>
    public static List<ConversationMessage> ActivePath(IReadOnlyCollection<ConversationMessage> messages)
    {
        var children = messages.ToLookup(m => m.ParentId);
        var path = new List<ConversationMessage>();
        Guid? parent = null;
        // Bounded by the message count, so a corrupt parent link cannot loop.
        while (path.Count < messages.Count && Versions(children, parent).OrderByDescending(m => m.Selected).ThenByDescending(m => m.CreatedAt).FirstOrDefault() is { } next)
        {
            path.Add(next);
            parent = next.Id;
        }
        return path;
    }

    /// <summary>The versions following <paramref name="parentId"/>, oldest first (the ‹ n/m › order).</summary>
    public static IEnumerable<ConversationMessage> Versions(ILookup<Guid?, ConversationMessage> children, Guid? parentId) =>
        children[parentId].OrderBy(m => m.CreatedAt).ThenBy(m => m.Id);

    /// <summary>A title from the first words of the first message: at most six words and 60 characters.</summary>
    public static string TitleFromFirstMessage(string text, int maxCharacters)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var title = string.Join(' ', words.Take(6));
        return ConversationStore.NormalizeTitle(words.Length > 6 ? title + "…" : title, Math.Min(60, maxCharacters));
    }
}
