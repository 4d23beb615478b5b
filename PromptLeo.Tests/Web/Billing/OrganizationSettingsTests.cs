using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>/organization/settings: owners and billing members edit the company's contract data (checked on the server, audited); others cannot.</summary>
public sealed class OrganizationSettingsTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<(string UserId, HttpClient Client)> SignedInAsync()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        return (userId, client);
    }

    private static Dictionary<string, string> Form(string name, string vatId, string leitwegId = "") => new()
    {
        ["Input.Name"] = name, ["Input.Street"] = "Neue Straße 9", ["Input.PostalCode"] = "20095", ["Input.City"] = "Hamburg",
        ["Input.Country"] = "de", ["Input.VatId"] = vatId, ["Input.EInvoiceFormat"] = nameof(EInvoiceFormat.Zugferd), ["Input.LeitwegId"] = leitwegId, ["Input.Language"] = "en",
    };

    private async Task<Guid> CompanyWithAsync(string ownerId, params (string UserId, OrganizationRole Role)[] members)
    {
        var organizationId = await Directory.CreateAsync(ownerId, new OrganizationDetails("Alt GmbH", "Alte Straße 1", "10115", "Berlin", "DE", null, "de"));
        await using var db = await DbAsync();
        db.OrganizationMembers.AddRange(members.Select(m => new OrganizationMember { OrganizationId = organizationId, UserId = m.UserId, Role = m.Role }));
        await db.SaveChangesAsync();
        foreach (var userId in members.Select(m => m.UserId).Append(ownerId))
        {
            Assert.True(await Directory.SetActiveAsync(userId, organizationId));
        }
        return organizationId;
    }

    [Fact]
    public async Task Save_OwnerAndBillingMember_ChangeTheContractDataAuditedWithoutValues()
    {
        var owner = await SignedInAsync();
        var billing = await SignedInAsync();
        var organizationId = await CompanyWithAsync(owner.UserId, (billing.UserId, OrganizationRole.Billing));

        var saved = await FormPost.SubmitAsync(owner.Client, "/organization/settings", "organization-settings", Form("Neu GmbH", "de 123 456 789", "992-90009-96"));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        await using (var db = await DbAsync())
        {
            var organization = await db.Organizations.SingleAsync(o => o.Id == organizationId);
            Assert.Equal(("Neu GmbH", "Neue Straße 9", "20095", "Hamburg", "DE"), (organization.Name, organization.Street, organization.PostalCode, organization.City, organization.Country));
            Assert.Equal(("DE123456789", EInvoiceFormat.Zugferd, "992-90009-96", "en"), (organization.VatId, organization.EInvoiceFormat, organization.LeitwegId, organization.Language));
            var audit = await db.AuditEntries.SingleAsync(a => a.OrganizationId == organizationId && a.Action == OrganizationAuditActions.Updated);
            Assert.Equal(owner.UserId, audit.ActorId);
            Assert.Contains("vatId", audit.Details);
            Assert.DoesNotContain("DE123456789", audit.Details);
            Assert.DoesNotContain("Hamburg", audit.Details);
        }
        // The invoices and the DPA read it from here.
        var party = (await factory.Services.GetRequiredService<ContractParties>().ForOrganizationAsync(organizationId))!;
        Assert.Equal(("Neu GmbH", "DE123456789", EInvoiceFormat.Zugferd, "en", false), (party.Name, party.VatId, party.EInvoiceFormat, party.Language, party.IsPersonal));

        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SubmitAsync(billing.Client, "/organization/settings", "organization-settings", Form("Neu & Partner GmbH", ""))).StatusCode);
        await using (var db = await DbAsync())
        {
            Assert.Equal(("Neu & Partner GmbH", null), await db.Organizations.Where(o => o.Id == organizationId).Select(o => ValueTuple.Create(o.Name, o.VatId)).SingleAsync());
            Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.Action == OrganizationAuditActions.Updated));
        }
    }

    [Fact]
    public async Task Save_MalformedVatIdOrLeitwegId_400WithTheMessageAndNothingChanged()
    {
        var owner = await SignedInAsync();
        var organizationId = await CompanyWithAsync(owner.UserId);

        var badVat = await FormPost.SubmitAsync(owner.Client, "/organization/settings", "organization-settings", Form("Neu GmbH", "DE12"));
        var badLeitweg = await FormPost.SubmitAsync(owner.Client, "/organization/settings", "organization-settings", Form("Neu GmbH", "", "992-90009-97"));

        Assert.Equal(HttpStatusCode.BadRequest, badVat.StatusCode);
        Assert.Contains("This VAT ID does not have the format of its country.", WebUtility.HtmlDecode(await badVat.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, badLeitweg.StatusCode);
        await using var db = await DbAsync();
        Assert.Equal("Alt GmbH", await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Name).SingleAsync());
        Assert.False(await db.AuditEntries.AnyAsync(a => a.OrganizationId == organizationId && a.Action == OrganizationAuditActions.Updated));
    }

    [Fact]
    public async Task Settings_MemberAdminOutsiderAndPersonal_CannotChangeTheCompanyData()
    {
        var owner = await SignedInAsync();
        var member = await SignedInAsync();
        var admin = await SignedInAsync();
        var outsider = await SignedInAsync();
        var organizationId = await CompanyWithAsync(owner.UserId, (member.UserId, OrganizationRole.Member), (admin.UserId, OrganizationRole.Admin));
        var settings = factory.Services.GetRequiredService<OrganizationContractSettings>();
        var input = new OrganizationContractInput("Übernahme AG", null, null, null, "DE", null, EInvoiceFormat.PdfOnly, null, "de");

        var page = await member.Client.GetStringAsync("/organization/settings");
        Assert.Contains("Only owners and billing members change the contract data.", WebUtility.HtmlDecode(page));
        Assert.DoesNotContain("org-settings-submit", page);
        Assert.Equal(ContractSettingsOutcome.Forbidden, await settings.SaveAsync(member.UserId, organizationId, input));
        Assert.Equal(ContractSettingsOutcome.Forbidden, await settings.SaveAsync(admin.UserId, organizationId, input));
        Assert.Equal(ContractSettingsOutcome.Forbidden, await settings.SaveAsync(outsider.UserId, organizationId, input));
        Assert.Equal(ContractSettingsOutcome.Personal, await settings.SaveAsync(outsider.UserId, await Directory.PersonalIdAsync(outsider.UserId), input));
        Assert.Contains("Your personal organization&#x27;s contract data is your profile.", await outsider.Client.GetStringAsync("/organization/settings"));

        await using var db = await DbAsync();
        Assert.Equal("Alt GmbH", await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Name).SingleAsync());
    }
}
