// Mounts GraphiQL on the page, pointed at this server's /graphql, with a first query to run.
(function () {
  var endpoint = new URL('/graphql', window.location.href).href;
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  var defaultQuery = [
    '# The directory of organisations. Press the run button (or Ctrl-Enter).',
    '{',
    '  organisations(first: 5, filter: {kinds: [ENTITY]}, orderBy: {field: NAME, direction: ASC}) {',
    '    totalCount',
    '    pageInfo { hasNextPage endCursor }',
    '    edges {',
    '      cursor',
    '      node {',
    '        id slug name acronym country',
    '        ... on Entity { category accreditationStatus }',
    '      }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery }));
})();
