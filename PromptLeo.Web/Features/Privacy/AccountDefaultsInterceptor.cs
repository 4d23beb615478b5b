using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Gives every new account the admin's default retention (Privacy:DefaultChatRetentionDays / DefaultImageRetentionDays / DefaultDocumentRetentionDays).</summary>
public sealed class AccountDefaultsInterceptor(IOptions<PrivacyOptions> options) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Apply(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Apply(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Apply(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        foreach (var entry in context.ChangeTracker.Entries<ApplicationUser>().Where(e => e.State == EntityState.Added))
        {
            entry.Entity.ChatRetentionDays ??= options.Value.DefaultChatRetentionDays;
            entry.Entity.ImageRetentionDays ??= options.Value.DefaultImageRetentionDays;
            entry.Entity.DocumentRetentionDays ??= options.Value.DefaultDocumentRetentionDays;
        }
    }
}
