using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Chat;

/// <summary>Chat's part in an erasure: conversations, messages, presets and the prompt cache go entirely; nothing is retained.</summary>
public sealed class ChatErasureParticipant(IClusterBus cluster) : IErasureParticipant
{
    public Task BeforeEraseAsync(string userId, CancellationToken cancellationToken) =>
        cluster.PublishAsync(ClusterInvalidation.ForUser(userId), cancellationToken);

    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["conversations"] = await db.Conversations.CountAsync(c => c.UserId == userId, cancellationToken),
        ["messages"] = await db.ConversationMessages.CountAsync(m => m.Conversation!.UserId == userId, cancellationToken),
        ["presets"] = await db.ChatPresets.CountAsync(p => p.UserId == userId, cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.ConversationMessages.Where(m => m.Conversation!.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.Conversations.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.ChatPresets.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        // Again here: a request that was running when the erasure began may have finished since.
        await cluster.PublishAsync(ClusterInvalidation.ForUser(userId), cancellationToken);
    }
}
