using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using NatGateway.Data;

#nullable disable

namespace NatGateway.Migrations
{
    /// <summary>
    /// A counter of changes to the NatRules table, kept by triggers: NatRulesService holds the draft in memory and, when
    /// SQLite's data_version says some connection committed (the audit log, revisions, the CLI importing a config),
    /// reads this one number to tell whether the rules themselves changed. Raw SQL, outside the EF model: it is the
    /// database's own bookkeeping, like an index, and no entity reads or writes it.
    /// </summary>
    [DbContext(typeof(NatGatewayDbContext))]
    [Migration("20261206092000_NatRuleListVersion")]
    public partial class NatRuleListVersion : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""CREATE TABLE "NatRuleListVersion" ("Id" INTEGER NOT NULL CONSTRAINT "PK_NatRuleListVersion" PRIMARY KEY CHECK ("Id" = 1), "Version" INTEGER NOT NULL)""");
            migrationBuilder.Sql("""INSERT INTO "NatRuleListVersion" ("Id", "Version") VALUES (1, 0)""");
            foreach (var change in new[] { "INSERT", "UPDATE", "DELETE" })
                migrationBuilder.Sql($"""
                    CREATE TRIGGER "NatRules_{change.ToLowerInvariant()}_version" AFTER {change} ON "NatRules"
                    BEGIN UPDATE "NatRuleListVersion" SET "Version" = "Version" + 1; END
                    """);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var change in new[] { "insert", "update", "delete" })
                migrationBuilder.Sql($"""DROP TRIGGER IF EXISTS "NatRules_{change}_version" """);
            migrationBuilder.Sql("""DROP TABLE IF EXISTS "NatRuleListVersion" """);
        }
    }
}
