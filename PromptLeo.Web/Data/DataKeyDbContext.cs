using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PromptLeo.Web.Data;

/// <summary>
/// The per-user data keys, in their own database (<c>&lt;data&gt;/keys/datakeys.db</c> by default) apart from the
/// content. Backed up separately with a short retention, a shredded key is gone from every backup of the content too.
/// </summary>
public class DataKeyDbContext(DbContextOptions<DataKeyDbContext> options) : DbContext(options)
{
    public DbSet<UserDataKey> UserDataKeys => Set<UserDataKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        if (Database.IsSqlite())
        {
            builder.Entity<UserDataKey>().Property(k => k.CreatedAt).HasConversion(new DateTimeOffsetToBinaryConverter());
        }
    }
}
