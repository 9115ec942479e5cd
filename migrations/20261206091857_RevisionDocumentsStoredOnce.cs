using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NatGateway.Migrations
{
    /// <inheritdoc />
    public partial class RevisionDocumentsStoredOnce : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DiffHash",
                table: "Revisions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RuleCount",
                table: "Revisions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "RulesHash",
                table: "Revisions",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "RulesetJsonHash",
                table: "Revisions",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "RulesetTextHash",
                table: "Revisions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RevisionDocuments",
                columns: table => new
                {
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Length = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RevisionDocuments", x => x.Hash);
                });

            // Each distinct document once, keyed and compressed as DocumentCodec does (natgw_sha256/natgw_pack: DocumentSqlFunctions).
            migrationBuilder.Sql("""
                UPDATE "Revisions" SET
                    "RulesHash" = natgw_sha256("RulesDocument"),
                    "RulesetJsonHash" = natgw_sha256("RulesetJson"),
                    "RulesetTextHash" = natgw_sha256("RulesetText"),
                    "DiffHash" = natgw_sha256("Diff"),
                    "RuleCount" = coalesce(json_array_length("RulesDocument"), 0);
                """);
            migrationBuilder.Sql("""
                INSERT OR IGNORE INTO "RevisionDocuments" ("Hash", "Content", "Length")
                SELECT h, natgw_pack(d), length(CAST(d AS BLOB)) FROM (
                    SELECT "RulesHash" AS h, "RulesDocument" AS d FROM "Revisions"
                    UNION ALL SELECT "RulesetJsonHash", "RulesetJson" FROM "Revisions"
                    UNION ALL SELECT "RulesetTextHash", "RulesetText" FROM "Revisions" WHERE "RulesetText" IS NOT NULL
                    UNION ALL SELECT "DiffHash", "Diff" FROM "Revisions" WHERE "Diff" IS NOT NULL)
                GROUP BY h;
                """);

            migrationBuilder.DropColumn(
                name: "Diff",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "RulesDocument",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "RulesetJson",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "RulesetText",
                table: "Revisions");

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_DiffHash",
                table: "Revisions",
                column: "DiffHash");

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_RulesHash",
                table: "Revisions",
                column: "RulesHash");

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_RulesetJsonHash",
                table: "Revisions",
                column: "RulesetJsonHash");

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_RulesetTextHash",
                table: "Revisions",
                column: "RulesetTextHash");

            migrationBuilder.AddForeignKey(
                name: "FK_Revisions_RevisionDocuments_DiffHash",
                table: "Revisions",
                column: "DiffHash",
                principalTable: "RevisionDocuments",
                principalColumn: "Hash",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Revisions_RevisionDocuments_RulesHash",
                table: "Revisions",
                column: "RulesHash",
                principalTable: "RevisionDocuments",
                principalColumn: "Hash",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Revisions_RevisionDocuments_RulesetJsonHash",
                table: "Revisions",
                column: "RulesetJsonHash",
                principalTable: "RevisionDocuments",
                principalColumn: "Hash",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Revisions_RevisionDocuments_RulesetTextHash",
                table: "Revisions",
                column: "RulesetTextHash",
                principalTable: "RevisionDocuments",
                principalColumn: "Hash",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // By hand: EF would drop RevisionDocuments before its table rebuild removes the foreign keys that point at it.
            // The old Revisions table is made anew with the documents read back into its rows, then swapped in.
            migrationBuilder.Sql("""
                CREATE TABLE "ef_old_Revisions" (
                    "Id" INTEGER NOT NULL CONSTRAINT "PK_Revisions" PRIMARY KEY AUTOINCREMENT,
                    "Author" TEXT NULL,
                    "Comment" TEXT NULL,
                    "ConfirmBy" INTEGER NULL,
                    "ConntrackDocument" TEXT NULL,
                    "CreatedAt" INTEGER NOT NULL,
                    "Diff" TEXT NULL,
                    "Kind" TEXT NOT NULL,
                    "Outcome" TEXT NULL,
                    "PreviousRevisionId" INTEGER NULL,
                    "RulesDocument" TEXT NOT NULL,
                    "RulesetJson" TEXT NOT NULL,
                    "RulesetText" TEXT NULL,
                    "SettingsDocument" TEXT NULL,
                    "State" TEXT NOT NULL);
                INSERT INTO "ef_old_Revisions" ("Id", "Author", "Comment", "ConfirmBy", "ConntrackDocument", "CreatedAt", "Diff", "Kind", "Outcome",
                    "PreviousRevisionId", "RulesDocument", "RulesetJson", "RulesetText", "SettingsDocument", "State")
                SELECT "Id", "Author", "Comment", "ConfirmBy", "ConntrackDocument", "CreatedAt",
                    (SELECT natgw_unpack("Content", "Length") FROM "RevisionDocuments" WHERE "Hash" = r."DiffHash"),
                    "Kind", "Outcome", "PreviousRevisionId",
                    coalesce((SELECT natgw_unpack("Content", "Length") FROM "RevisionDocuments" WHERE "Hash" = r."RulesHash"), '[]'),
                    coalesce((SELECT natgw_unpack("Content", "Length") FROM "RevisionDocuments" WHERE "Hash" = r."RulesetJsonHash"), ''),
                    (SELECT natgw_unpack("Content", "Length") FROM "RevisionDocuments" WHERE "Hash" = r."RulesetTextHash"),
                    "SettingsDocument", "State"
                FROM "Revisions" r;
                DROP TABLE "Revisions";
                DROP TABLE "RevisionDocuments";
                ALTER TABLE "ef_old_Revisions" RENAME TO "Revisions";
                CREATE INDEX "IX_Revisions_CreatedAt" ON "Revisions" ("CreatedAt");
                CREATE INDEX "IX_Revisions_State" ON "Revisions" ("State");
                """);
        }
    }
}
