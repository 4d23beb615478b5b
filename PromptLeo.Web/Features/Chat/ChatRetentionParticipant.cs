using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Chat;

/// <summary>Deletes conversations not touched within their owner's chat retention.</summary>
public sealed class ChatRetentionParticipant : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var conversations = 0;
        var policies = await db.Users.Where(u => u.ChatRetentionDays != null && u.ChatRetentionDays >= 0)
            .Select(u => new { u.Id, Days = u.ChatRetentionDays!.Value }).ToListAsync(cancellationToken);
        foreach (var policy in policies)
        {
            var cutoff = now.AddDays(-policy.Days);
            var ids = await db.Conversations.Where(c => c.UserId == policy.Id && c.UpdatedAt < cutoff).Select(c => c.Id).ToListAsync(cancellationToken);
            if (ids.Count > 0)
            {
                await db.ConversationMessages.Where(m => ids.Contains(m.ConversationId)).ExecuteDeleteAsync(cancellationToken);
                conversations += await db.Conversations.Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
            }
        }
        return new Dictionary<string, int> { ["conversations"] = conversations };
    }
}
