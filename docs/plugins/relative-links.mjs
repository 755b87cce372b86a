import path from 'node:path';
import { visit } from 'unist-util-visit';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function remarkRelativeLinks({ contentDir }) {
  return (tree, file) => {
    visit(tree, ['link', 'definition'], (node) => {
      const url = node.url;
      if (!url || SCHEME.test(url) || url.startsWith('/') || url.startsWith('#')) return;
      const [target, hash] = url.split('#', 2);
      if (!/\.mdx?$/.test(target)) return;
      const resolved = path.resolve(path.dirname(file.path), decodeURI(target));
      const relative = path.relative(contentDir, resolved);
      if (relative.startsWith('..')) return;
      let route = relative.replace(/\.mdx?$/, '').split(path.sep).join('/').toLowerCase();
      route = route === 'index' ? '' : route.replace(/\/index$/, '');
      node.url = (route ? `/${route}/` : '/') + (hash ? `#${hash}` : '');
    });
  };
}
