using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PromptLeo.Web.Data;

public class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<ApplicationUser>(options)
{
    /// <summary>Identity's table layout (passkeys): set in the Identity options, and by the PostgreSQL design-time factory.</summary>
    public static readonly Version IdentitySchema = IdentitySchemaVersions.Version3;

    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ConversationMessage> ConversationMessages => Set<ConversationMessage>();
    public DbSet<ChatPreset> ChatPresets => Set<ChatPreset>();
    public DbSet<GeneratedImage> GeneratedImages => Set<GeneratedImage>();
    public DbSet<ProcessingRecord> ProcessingRecords => Set<ProcessingRecord>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<DataExport> DataExports => Set<DataExport>();
    public DbSet<DpaAcceptance> DpaAcceptances => Set<DpaAcceptance>();
    public DbSet<ErasureJob> ErasureJobs => Set<ErasureJob>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<UsageEvent> UsageEvents => Set<UsageEvent>();
    public DbSet<ModelPrice> ModelPrices => Set<ModelPrice>();
    public DbSet<CreditTransaction> CreditTransactions => Set<CreditTransaction>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceCounter> InvoiceCounters => Set<InvoiceCounter>();
    public DbSet<Payment> Payments => Set<Payment>();
    public DbSet<ProcessedPaymentEvent> ProcessedPaymentEvents => Set<ProcessedPaymentEvent>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<ModelSetting> ModelSettings => Set<ModelSetting>();
    public DbSet<BreachIncident> BreachIncidents => Set<BreachIncident>();
    public DbSet<ContractEvidence> ContractEvidence => Set<ContractEvidence>();
    public DbSet<SubProcessor> SubProcessors => Set<SubProcessor>();
    public DbSet<SubProcessorChange> SubProcessorChanges => Set<SubProcessorChange>();
    public DbSet<SubProcessorObjection> SubProcessorObjections => Set<SubProcessorObjection>();
    public DbSet<SubProcessorNotice> SubProcessorNotices => Set<SubProcessorNotice>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<OrganizationMember> OrganizationMembers => Set<OrganizationMember>();
    public DbSet<OrganizationInvitation> OrganizationInvitations => Set<OrganizationInvitation>();
    public DbSet<OrganizationSso> OrganizationSso => Set<OrganizationSso>();
    public DbSet<NodeMetricSample> NodeMetricSamples => Set<NodeMetricSample>();
    public DbSet<ClusterLease> ClusterLeases => Set<ClusterLease>();
    public DbSet<UsageReservation> UsageReservations => Set<UsageReservation>();
    public DbSet<RemoteInferenceEndpoint> RemoteInferenceEndpoints => Set<RemoteInferenceEndpoint>();
    public DbSet<RemoteInferenceModel> RemoteInferenceModels => Set<RemoteInferenceModel>();
    public DbSet<KnowledgeCollection> KnowledgeCollections => Set<KnowledgeCollection>();
    public DbSet<KnowledgeDocument> KnowledgeDocuments => Set<KnowledgeDocument>();
    public DbSet<KnowledgeChunk> KnowledgeChunks => Set<KnowledgeChunk>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<RemoteInferenceEndpoint>(e =>
        {
            e.HasIndex(x => x.Name).IsUnique();
            e.HasMany(x => x.Models).WithOne().HasForeignKey(m => m.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<RemoteInferenceModel>(e =>
        {
            e.HasKey(m => new { m.EndpointId, m.ModelId });
            e.HasIndex(m => m.ModelId);
        });

        // Content rows belong to a user; deleting the user removes them (erasure adds files and keys on top).
        builder.Entity<Conversation>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => new { c.UserId, c.UpdatedAt });
            e.HasMany(c => c.Messages).WithOne(m => m.Conversation).HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });
        // Not unique: the versions of a message share its depth.
        builder.Entity<ConversationMessage>().HasIndex(m => new { m.ConversationId, m.Ordinal });
        builder.Entity<ChatPreset>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(p => p.UserId);
        });
        // Knowledge: a collection goes with its account, documents with their collection, chunks with their document.
        builder.Entity<KnowledgeCollection>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => c.UserId);
        });
        builder.Entity<KnowledgeDocument>(e =>
        {
            e.HasOne<KnowledgeCollection>().WithMany().HasForeignKey(d => d.CollectionId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(d => new { d.UserId, d.CollectionId });
            e.HasIndex(d => d.Status);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        });
        builder.Entity<KnowledgeChunk>(e =>
        {
            e.HasOne<KnowledgeDocument>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => new { c.UserId, c.CollectionId });
            e.HasIndex(c => new { c.DocumentId, c.Ordinal });
        });
        builder.Entity<GeneratedImage>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(i => new { i.UserId, i.CreatedAt });
        });
        // Records outlive the account (accountability), so no foreign key to the user.
        builder.Entity<ProcessingRecord>(e =>
        {
            e.HasIndex(r => new { r.SubjectId, r.At });
            e.HasIndex(r => r.RetentionUntil);
            // The start-up sweep looks for this node's unfinished records.
            e.HasIndex(r => new { r.Outcome, r.Node });
        });

        builder.Entity<AuditEntry>(e =>
        {
            e.HasIndex(a => new { a.SubjectId, a.At });
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.OrganizationId, a.At });
        });
        builder.Entity<DataExport>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.UserId, x.CreatedAt });
        });
        builder.Entity<DpaAcceptance>(e =>
        {
            // A company's contract outlives the owner who accepted it (ContractEvidenceArchive clears the person first).
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => new { x.UserId, x.Version });
        });
        // Sub-processor changes: notices and objections go with the account (the erasure participant deletes them first).
        builder.Entity<SubProcessorChange>(e =>
        {
            e.HasOne(c => c.Added).WithMany().HasForeignKey(c => c.AddedId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(c => c.Removed).WithMany().HasForeignKey(c => c.RemovedId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(c => c.EffectiveAt);
        });
        builder.Entity<SubProcessorObjection>(e =>
        {
            e.HasOne<SubProcessorChange>().WithMany().HasForeignKey(o => o.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(o => new { o.ChangeId, o.UserId }).IsUnique();
            e.HasIndex(o => o.UserId);
        });
        builder.Entity<SubProcessorNotice>(e =>
        {
            e.HasOne<SubProcessorChange>().WithMany().HasForeignKey(n => n.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(n => new { n.UserId, n.ChangeId }).IsUnique();
        });
        // Survives the account row on purpose: it drives resumption and the certificate download.
        builder.Entity<ErasureJob>().HasIndex(j => j.UserId);
        // Billing: keys go with the account; usage, credit and invoices are kept for statutory retention (no foreign key).
        builder.Entity<ApiKey>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(k => k.Prefix).IsUnique();
            e.HasIndex(k => k.UserId);
            e.HasIndex(k => k.OrganizationId);
        });
        builder.Entity<UsageEvent>(e =>
        {
            e.HasIndex(u => new { u.UserId, u.At });
            e.HasIndex(u => new { u.ApiKeyId, u.At });
            e.HasIndex(u => u.RequestId);
            e.HasIndex(u => new { u.OrganizationId, u.At });
        });
        // One version sequence for the public list and one per organization's own list (NULLs are distinct in a unique index).
        builder.Entity<ModelPrice>(e =>
        {
            e.HasIndex(p => new { p.ModelId, p.Version }).IsUnique().HasFilter("OrganizationId IS NULL");
            e.HasIndex(p => new { p.OrganizationId, p.ModelId, p.Version }).IsUnique().HasFilter("OrganizationId IS NOT NULL");
        });
        builder.Entity<CreditTransaction>(e =>
        {
            e.HasIndex(c => c.UserId);
            e.HasIndex(c => c.OrganizationId);
        });
        builder.Entity<Invoice>(e =>
        {
            e.HasIndex(i => i.Sequence).IsUnique();
            e.HasIndex(i => i.Number).IsUnique();
            e.HasIndex(i => new { i.UserId, i.PeriodStart });
            e.HasIndex(i => new { i.OrganizationId, i.PeriodStart });
        });
        builder.Entity<InvoiceCounter>().Property(c => c.Id).ValueGeneratedNever();
        builder.Entity<Payment>(e =>
        {
            e.HasIndex(p => p.UserId);
            e.HasIndex(p => p.SessionId).IsUnique();
            e.HasIndex(p => p.PaymentIntentId);
            e.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
        });
        builder.Entity<UserSession>(e =>
        {
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(s => new { s.UserId, s.LastSeenAt });
            e.HasIndex(s => s.LastSeenAt);
        });

        // Organizations: members and invitations go with the organization; a membership goes with its account.
        builder.Entity<Organization>(e =>
        {
            e.HasIndex(o => o.PersonalOwnerId).IsUnique();
            e.Property(o => o.Mode).HasConversion<string>().HasMaxLength(20);
        });
        builder.Entity<OrganizationMember>(e =>
        {
            e.HasKey(m => new { m.OrganizationId, m.UserId });
            e.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(m => m.UserId);
            e.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        });
        builder.Entity<OrganizationInvitation>(e =>
        {
            e.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(i => i.TokenHash).IsUnique();
            e.HasIndex(i => new { i.OrganizationId, i.Email });
            e.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        });
        // Single sign-on: one configuration per organization, gone with it.
        builder.Entity<OrganizationSso>(e =>
        {
            e.HasKey(s => s.OrganizationId);
            e.HasOne<Organization>().WithOne().HasForeignKey<OrganizationSso>(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.Property(s => s.JoinRole).HasConversion<string>().HasMaxLength(20);
        });

        // Cluster coordination: open reservations are summed per organization, member and key; leases are found by name (the key).
        builder.Entity<UsageReservation>(e =>
        {
            e.HasIndex(r => new { r.OrganizationId, r.ExpiresAt });
            e.HasIndex(r => r.ApiKeyId);
        });

        builder.Entity<BreachIncident>().HasIndex(b => b.ClosedAt);
        // Contract evidence of erased accounts: no foreign key and no user column, found by its own reference.
        builder.Entity<ContractEvidence>(e =>
        {
            e.HasIndex(x => x.Reference);
            e.HasIndex(x => x.RetainedUntil);
        });
        // Per-node activity for the admin's system view; read by time window, purged after a day.
        builder.Entity<NodeMetricSample>(e =>
        {
            e.Property(x => x.Node).HasMaxLength(100);
            e.Property(x => x.Version).HasMaxLength(100);
            e.HasIndex(x => x.At);
        });

        if (Database.IsSqlite())
        {
            // SQLite cannot order or compare DateTimeOffset natively; store UTC ticks so range queries run in SQL.
            // Identity's own tables keep their template mapping.
            foreach (var entity in builder.Model.GetEntityTypes().Where(e => e.ClrType.Namespace == typeof(AppDbContext).Namespace && e.ClrType != typeof(ApplicationUser)))
            {
                foreach (var property in entity.GetProperties().Where(p => p.ClrType == typeof(DateTimeOffset) || p.ClrType == typeof(DateTimeOffset?)))
                {
                    property.SetValueConverter(new DateTimeOffsetToBinaryConverter());
                }
            }
        }
    }
}
