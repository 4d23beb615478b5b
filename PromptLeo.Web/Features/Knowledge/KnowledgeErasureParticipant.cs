using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>
/// Knowledge's part in an erasure: chunks (texts, vectors, positions), documents and collections go; the encrypted
/// originals go with the user's file folder; cached indexes go with the data key (the cluster bus reaches every node).
/// </summary>
public sealed class KnowledgeErasureParticipant(KnowledgeIndexCache indexes) : IErasureParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["knowledgeCollections"] = await db.KnowledgeCollections.CountAsync(c => c.UserId == userId, cancellationToken),
        ["knowledgeDocuments"] = await db.KnowledgeDocuments.CountAsync(d => d.UserId == userId, cancellationToken),
        ["knowledgeChunks"] = await db.KnowledgeChunks.CountAsync(c => c.UserId == userId, cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.KnowledgeChunks.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeDocuments.Where(d => d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeCollections.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        indexes.Forget(userId);
    }
}
