using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>Collection ids attached to a conversation or preset, stored as a comma-separated column (ids only, no content).</summary>
public static class KnowledgeLinks
{
    /// <summary>Most collections one chat or preset may attach.</summary>
    public const int MaxPerChat = 20;

    public static string Format(IEnumerable<Guid> ids) => string.Join(',', ids.Distinct().Take(MaxPerChat));

    public static IReadOnlyList<Guid> Parse(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : [.. stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParse(s, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty)];

    /// <summary>The ids among <paramref name="ids"/> that are the user's existing collections, in their order (a deleted or foreign id drops out).</summary>
    public static async Task<IReadOnlyList<Guid>> OwnedAsync(AppDbContext db, string userId, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var owned = await db.KnowledgeCollections.Where(c => c.UserId == userId && wanted.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
        return [.. wanted.Where(owned.Contains).Take(MaxPerChat)];
    }
}
