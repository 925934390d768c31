-- Set up Virtuoso Open Source 7 for the disclosure-report publisher. Run as dba with isql-vt:
--
--   isql-vt 127.0.0.1:1111 dba "$DBA_PASSWORD" deploy/virtuoso-setup.sql -u WRITER=publisher WRITER_PASSWORD="$WRITER_PASSWORD"
--
-- once after installing, and again after each start of the server (Virtuoso puts the
-- triples of http://www.w3.org/ns/ldp# back when it starts; running this twice changes
-- nothing else). scripts/virtuoso runs this same file on every throw-away database it
-- starts, so the tests run against this set-up. It:
--
-- 1. empties the removable system graphs http://www.w3.org/ns/ldp# and
--    http://localuriqaserver/sparql (http://www.openlinksw.com/schemas/virtrdf# is
--    Virtuoso's own and must stay);
-- 2. makes private: those three, http://www.w3.org/2002/07/owl# (OWL's own triples,
--    loaded at start when [SPARQL] DeferInferenceRulesInit = 0, as in Debian's
--    virtuoso.ini), and the publisher's staging graphs urn:x-publisher:staging:0 … 15
--    (publisher.remote.STAGING_GRAPHS: a report's new graph is loaded there, then moved
--    over the old one in one transaction). Anonymous readers (user "nobody": what
--    /sparql runs as) read every other graph and nothing of these, so every count and
--    answer holds the publisher's graphs only;
-- 3. creates the user WRITER (its password is set again if it exists) with the
--    SPARQL_UPDATE role, read-write on every public graph and on the staging graphs, no
--    access to Virtuoso's own. The publisher writes as this user (store_user,
--    store_password) through /sparql-auth and /sparql-graph-crud-auth with HTTP digest
--    authentication, never as dba.
--
-- Passwords: ASCII letters, digits and - _ . ~ + only. isql-vt's `-u NAME=VALUE` and its
-- `$` macros change many other characters (space = , & ( < ? [ { " $ ...) on their way
-- into SQL, and the writer would then not log in. Make one with
--   python3 -c 'import secrets; print(secrets.token_urlsafe(24))'
--
-- Known limits of Virtuoso 7.2.5 (measured, see deploy/README.md): the exact query
-- SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } is answered from a shortcut that
-- skips graph-level security (it names private graphs, not their triples) and takes
-- ~35 s on 26,000 triples; SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
-- answers the same list, secured, in milliseconds.

SPARQL CLEAR GRAPH <http://www.w3.org/ns/ldp#>;
SPARQL CLEAR GRAPH <http://localuriqaserver/sparql>;

create procedure DB.DBA.PUBLISHER_SETUP (in writer varchar, in writer_password varchar, in staging_count integer)
{
  declare private_graphs, graph_iri varchar;
  declare n integer;
  -- isql-vt pastes NULL for a -u value that was not given
  if (writer is null or writer in ('', 'NULL') or writer_password is null or writer_password in ('', 'NULL'))
    signal ('22023', 'Name the writer and its password: isql-vt ... deploy/virtuoso-setup.sql -u WRITER=publisher WRITER_PASSWORD=...');
  if (writer in ('dba', 'dav', 'nobody', 'SPARQL'))
    signal ('22023', sprintf ('WRITER must be a user of its own, not %s: the publisher writes with SPARQL_UPDATE only.', writer));
  private_graphs := 'http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs';
  DB.DBA.RDF_GRAPH_GROUP_CREATE (private_graphs, 1);
  DB.DBA.RDF_GRAPH_GROUP_INS (private_graphs, 'http://www.openlinksw.com/schemas/virtrdf#');
  DB.DBA.RDF_GRAPH_GROUP_INS (private_graphs, 'http://www.w3.org/ns/ldp#');
  DB.DBA.RDF_GRAPH_GROUP_INS (private_graphs, 'http://localuriqaserver/sparql');
  -- loaded at start when [SPARQL] DeferInferenceRulesInit = 0 (Debian's virtuoso.ini): OWL's own triples
  DB.DBA.RDF_GRAPH_GROUP_INS (private_graphs, 'http://www.w3.org/2002/07/owl#');
  -- Anonymous readers: read public graphs, nothing of private ones.
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0);
  -- The writer.
  if (exists (select 1 from DB.DBA.SYS_USERS where U_NAME = writer))
    USER_SET_PASSWORD (writer, writer_password);
  else
    DB.DBA.USER_CREATE (writer, writer_password);
  if (not exists (select 1 from DB.DBA.SYS_ROLE_GRANTS
                  where GI_SUPER = (select U_ID from DB.DBA.SYS_USERS where U_NAME = writer)
                    and GI_SUB = (select U_ID from DB.DBA.SYS_USERS where U_NAME = 'SPARQL_UPDATE')))
    DB.DBA.USER_GRANT_ROLE (writer, 'SPARQL_UPDATE');
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET (writer, 3, 0);  -- 1 read + 2 write (SPARQL Update, Graph Store Protocol)
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET (writer, 0, 1);
  n := 0;
  while (n < staging_count)
    {
      graph_iri := sprintf ('urn:x-publisher:staging:%d', n);
      DB.DBA.RDF_GRAPH_GROUP_INS (private_graphs, graph_iri);
      DB.DBA.RDF_GRAPH_USER_PERMS_SET (graph_iri, writer, 3);
      n := n + 1;
    }
}
;

DB.DBA.PUBLISHER_SETUP ('$U{WRITER}', '$U{WRITER_PASSWORD}', 16);
drop procedure DB.DBA.PUBLISHER_SETUP;
checkpoint;
